// Option parsers shared by the verbs: strict, with the valid choices in every error.

import { InvalidArgumentError, Option } from 'commander';
import type { RuntimeSetting } from '../options.js';

export function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be from ${min} to ${max}`);
    return n;
  };
}

/** Collects repeated and comma-separated values, checked against `choices`. */
export function listOption(choices: readonly string[] | null, what: string) {
  return (value: string, previous: string[] = []): string[] => {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of items) {
      if (choices && !choices.includes(item))
        throw new InvalidArgumentError(`unknown ${what} '${item}' (choose from: ${choices.join(', ')})`);
    }
    return [...previous, ...items];
  };
}

/**
 * The flag(s) of one runtime setting (harness/options.ts: RUNTIME_SETTINGS): its own
 * parser as commander's, so a bad value exits 2 saying what is valid; the help names
 * the environment variable read when the flag is absent. A boolean gets `--x` and `--no-x`.
 */
export function runtimeSettingOptions(s: RuntimeSetting): Option[] {
  const help = `${s.help}${s.choices ? ` (choices: ${s.choices.join(', ')})` : ''}; fallback: $${s.env}`;
  if (!s.arg)
    return [new Option(s.flag, help), new Option(s.flag.replace(/^--/, '--no-'), `the opposite of ${s.flag}`)];
  return [
    new Option(`${s.flag} <${s.arg}>`, help).argParser((value: string) => {
      try {
        return s.parse(value);
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message);
      }
    }),
  ];
}
