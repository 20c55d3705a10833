/** Reading the classifier's verdict from a message, as cry-detect, cry-log and cry-ha-state do. */

/** The fields a verdict may come in. */
export interface VerdictFields {
  payload?: unknown;
  cry?: { probability?: unknown };
}

/** The probability of `msg.cry.probability`, else a number payload; undefined when neither is a number. */
export function verdictProbability(msg: VerdictFields): number | undefined {
  if (typeof msg.cry?.probability === 'number') return msg.cry.probability;
  return typeof msg.payload === 'number' ? msg.payload : undefined;
}
