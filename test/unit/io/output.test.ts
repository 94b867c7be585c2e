import { describe, expect, it } from 'vitest';
import { createOutput } from '../../../src/io/output.js';

function capture(json: boolean) {
  let stdout = '';
  let stderr = '';
  const out = createOutput(
    { json, color: false, verbose: false },
    {
      stdout: { write: (c: string) => (stdout += c) },
      stderr: { write: (c: string) => (stderr += c) },
      stdinIsTTY: false,
      ci: true,
      noColorEnv: true,
    },
  );
  return { out, stdout: () => stdout, stderr: () => stderr };
}

describe('output redaction', () => {
  const passwords = ['pa"ss\\wörd@%:/ x', 'a\\"b\\\\c"d', 'ünï☃ "quoted"'];
  it.each(passwords)('scrubs %j from every path, the JSON document staying valid', (password) => {
    const { out, stdout, stderr } = capture(true);
    out.addSecrets([password]);
    out.info(`info ${password}`);
    out.warn(`warn ${encodeURIComponent(password)}`);
    out.writeJson({
      message: `failed for ${password}`,
      nested: [{ sql: `select '${password}'` }],
      [password]: 1,
      url: `postgres://u:${encodeURIComponent(password)}@h/db`,
    });
    const document = JSON.parse(stdout()) as Record<string, unknown>;
    const all = `${stdout()}${stderr()}${JSON.stringify(document)}`;
    for (const form of [password, encodeURIComponent(password), JSON.stringify(password).slice(1, -1)]) expect(all).not.toContain(form);
    expect(document.message).toBe('failed for ***');
    expect(stderr()).toContain('info ***');
    expect(stderr()).toContain('warn ***');
    out.writeStdout(`raw ${JSON.stringify(password)}`);
    expect(stdout()).not.toContain(JSON.stringify(password).slice(1, -1));
    expect(out.redact(`x ${password} y`)).toBe('x *** y');
  });
});
