/**
 * Open a file in the user's browser (`plots --open`): `xdg-open` (Linux) or `open` (macOS),
 * detached; any failure is reported as false, never thrown. The only child process outside git/
 * and pipeline/run.ts (rule R5 allows this edge file).
 */
import { spawn } from 'node:child_process';

export function openInBrowser(file: string): boolean {
  if (process.env.KEEL_NO_BROWSER || process.env.CI) return false;
  const cmd = process.platform === 'darwin' ? 'open' : 'xdg-open';
  try {
    const child = spawn(cmd, [file], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}
