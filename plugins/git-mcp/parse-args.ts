/**
 * Splits a git subcommand's arguments the way git's option parser would: every argument that
 * starts with `-` before `--` is an option, wherever it appears (git
 * permutes options and operands), so a "branch name" like `--upload-pack=…` is seen as the
 * option it is. Short clusters (`-uf`) are expanded, and values of options known to take one
 * are attached to them. Unknown options are kept as options: the rules judge them by name.
 */

export interface OptionSpec {
  /** Short letters that take a required value (`-m msg`, `-mmsg`). Only list letters git really treats so. */
  shortValue?: string;
  /** Short letters whose value, if any, is the rest of the cluster (`-M50%`, `-U3`). */
  shortOptional?: string;
  /** Exact long names (no `--`) that accept their value as the next argument (`--message msg`). */
  longValue?: readonly string[];
}

export interface ParsedOption {
  /** `f` for a short option, `force` for a long one (as typed, possibly abbreviated; no dashes). */
  name: string;
  long: boolean;
  value?: string;
  /** The argument(s) it came from, for messages. */
  raw: string;
}

export interface ParsedArgs {
  options: ParsedOption[];
  /** Non-option arguments before `--` (revisions, remotes, refspecs, paths…). */
  operands: string[];
  /** Arguments after `--`: always pathspecs. */
  pathspecs: string[];
  /** `--` was given. */
  dashDash: boolean;
}

export function parseArgs(args: readonly string[], spec: OptionSpec): ParsedArgs {
  const out: ParsedArgs = { options: [], operands: [], pathspecs: [], dashDash: false };
  const shortValue = spec.shortValue ?? '';
  const shortOptional = spec.shortOptional ?? '';
  const longValue = new Set(spec.longValue ?? []);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (out.dashDash) {
      out.pathspecs.push(arg);
      continue;
    }
    if (arg === '--') {
      out.dashDash = true;
      continue;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      out.operands.push(arg);
      continue;
    }
    // `--end-of-options` does not make later "-" arguments safe: git 2.39's log still parses
    // `--end-of-options --output=x` as the option. They stay options to the policy.
    if (arg === '--end-of-options') continue;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (eq >= 0) out.options.push({ name, long: true, value: arg.slice(eq + 1), raw: arg });
      else if (longValue.has(name) && i + 1 < args.length) {
        const value = args[++i] as string;
        out.options.push({ name, long: true, value, raw: `${arg} ${value}` });
      } else out.options.push({ name, long: true, raw: arg });
      continue;
    }
    // Short cluster: -abc, -mMessage, -n5
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j] as string;
      const rest = arg.slice(j + 1);
      if (shortValue.includes(letter)) {
        if (rest.length > 0) out.options.push({ name: letter, long: false, value: rest, raw: arg });
        else if (i + 1 < args.length) {
          const value = args[++i] as string;
          out.options.push({ name: letter, long: false, value, raw: `${arg} ${value}` });
        } else out.options.push({ name: letter, long: false, raw: arg });
        break;
      }
      if (shortOptional.includes(letter)) {
        out.options.push(rest.length > 0 ? { name: letter, long: false, value: rest, raw: arg } : { name: letter, long: false, raw: arg });
        break;
      }
      out.options.push({ name: letter, long: false, raw: arg });
    }
  }
  return out;
}

/**
 * Does a given option match a refused one, in any spelling git accepts: the short letter
 * (also inside a cluster), the exact long name, or any abbreviation of it (git accepts unique
 * prefixes of long options, so `--har` is `--hard`; an ambiguous prefix is refused too).
 */
export function optionMatches(opt: ParsedOption, short: string | undefined, long: readonly string[], exact: readonly string[] = []): boolean {
  if (!opt.long) return short !== undefined && short.includes(opt.name);
  if (opt.name.length === 0) return false;
  if (exact.includes(opt.name)) return false;
  return long.some((l) => l === opt.name || l.startsWith(opt.name));
}

export function findOption(args: ParsedArgs, short: string | undefined, long: readonly string[], exact: readonly string[] = []): ParsedOption | undefined {
  return args.options.find((o) => optionMatches(o, short, long, exact));
}
