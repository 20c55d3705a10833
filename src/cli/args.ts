/** A tiny argument parser: positional arguments and `--name value` / `--flag` options. */
export interface ParsedArgs {
  readonly positional: string[];
  readonly options: Record<string, string | true>;
}

/**
 * Parses argv; `flags` names the options that take no value. When `valued` is given, any other option is an
 * error (a mistyped `--hopp 2` must not run with the default).
 */
export function parseArgs(
  argv: readonly string[],
  flags: readonly string[] = [],
  valued?: readonly string[],
): ParsedArgs {
  const positional: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      if (valued && !flags.includes(name) && !valued.includes(name)) {
        const known = [...valued, ...flags].map((option) => `--${option}`).join(' ') || 'no options';
        throw new Error(`unknown option --${name}; this command takes ${known} (see --help)`);
      }
      if (inline !== undefined) options[name] = inline;
      else if (flags.includes(name)) options[name] = true;
      else {
        const value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) throw new Error(`option --${name} needs a value`);
        options[name] = value;
        i++;
      }
    } else positional.push(arg);
  }
  return { positional, options };
}

/** Reads a numeric option, with a default; throws on a non-number. */
export function numberOption(args: ParsedArgs, name: string, fallback: number): number {
  const raw = args.options[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw === true || !Number.isFinite(value))
    throw new Error(`--${name} must be a number, got ${String(raw)}`);
  return value;
}
