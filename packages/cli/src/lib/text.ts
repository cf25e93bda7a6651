// Control characters in a stored value (a user id, an exemption reason) could move the cursor or
// rewrite the terminal (ANSI escape injection); shown as \u escapes instead.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: printable() escapes them so a stored value cannot drive the terminal
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** The text with every control character shown as a `\uXXXX` escape, for the terminal. */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** An instant (ms since the epoch) as ISO 8601 UTC. */
export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/** '1 factor', '2 factors'. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
