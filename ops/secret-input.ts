import { UsageError } from './errors.ts';

/**
 * A secret from stdin (`--from-stdin`, for a password manager or a pipe) or typed at a
 * prompt that does not echo. Never an argument: it would stay in shell history and `ps`.
 */
export async function readSecretInput(input: { readonly fromStdin: boolean; readonly prompt: string }): Promise<string> {
  if (input.fromStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  }
  if (!process.stdin.isTTY) throw new UsageError('No terminal to type the secret at: pipe it and pass --from-stdin');
  return hiddenPrompt(input.prompt);
}

function hiddenPrompt(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (finish: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      finish();
    };
    function onData(data: string) {
      for (const ch of data) {
        if (ch === '\r' || ch === '\n') return done(() => resolve(typed));
        if (ch === '\u0003') return done(() => reject(new UsageError('Cancelled')));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    }
    stdin.on('data', onData);
  });
}
