/**
 * The soak's progress display: one line rewritten in place on a terminal, a plain line every
 * `everyMs` otherwise (CI logs, files), so a long run is visibly alive either way.
 */
export type Progress = { update(fraction: number, text: string): void; done(text: string): void };

export function createProgress(stream: NodeJS.WriteStream = process.stderr, everyMs = 10_000): Progress {
  const tty = stream.isTTY === true;
  let lastPrinted = 0;
  let lastLength = 0;
  function bar(fraction: number): string {
    const width = 24;
    const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
  }
  return {
    update(fraction, text) {
      const line = `${bar(fraction)} ${text}`;
      if (tty) {
        const columns = stream.columns ?? 160;
        const shown = line.length > columns - 1 ? line.slice(0, columns - 1) : line;
        stream.write(`\r${shown}${' '.repeat(Math.max(0, lastLength - shown.length))}`);
        lastLength = shown.length;
        return;
      }
      const now = Date.now();
      if (now - lastPrinted >= everyMs) {
        lastPrinted = now;
        stream.write(`${new Date().toISOString()} ${line}\n`);
      }
    },
    done(text) {
      if (tty && lastLength > 0) stream.write('\n');
      lastLength = 0;
      stream.write(`${text}\n`);
    },
  };
}
