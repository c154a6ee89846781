// Option parsers shared by the verbs: strict, with the valid choices in every error.

import { InvalidArgumentError } from 'commander';

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
    const items = value.split(',').map((s) => s.trim()).filter(Boolean);
    for (const item of items) {
      if (choices && !choices.includes(item)) throw new InvalidArgumentError(`unknown ${what} '${item}' (choose from: ${choices.join(', ')})`);
    }
    return [...previous, ...items];
  };
}
