/** Names an error for a log line: its class, code and message (mfakit's never hold secrets). */
export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return `${err.name}${code ? ` (${String(code)})` : ''}: ${err.message}`;
}
