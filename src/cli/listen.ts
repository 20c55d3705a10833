/** `cry-baby listen`: placeholder until live capture lands (see runListen). */
export async function runListen(
  _argv: string[],
  _out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  err('listen: live capture is not built yet');
  return 2;
}
