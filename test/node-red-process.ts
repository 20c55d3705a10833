/** Node-RED as a separate process, started the way the README says (scripts/start.js). */
import { spawn, ChildProcess } from 'child_process';
import * as path from 'path';
import { projectRoot, tempDir } from './fixtures';

/** Starts Node-RED the way the README does (scripts/start.js) on a free port; resolves when it serves. */
export function startNodeRed(
  env: Record<string, string> = {},
  prepare?: (userDir: string) => void,
): Promise<{ child: ChildProcess; url: string; userDir: string; output: () => string }> {
  const userDir = tempDir('cry-baby-red-');
  prepare?.(userDir);
  const port = String(20000 + Math.floor(Math.random() * 20000));
  const child = spawn(process.execPath, [path.join(projectRoot(), 'scripts', 'start.js')], {
    env: {
      ...process.env,
      CRY_BABY_USER_DIR: userDir,
      PORT: port,
      CRY_BABY_FLOW: path.join(userDir, 'none.json'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Node-RED did not start within 30 s:\n${output}`)),
      30000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Server now running')) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${port}`, userDir, output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Node-RED exited with ${code}:\n${output}`));
    });
  });
}

/** Stops a Node-RED started by startNodeRed and waits for it to exit. */
export function stopNodeRed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}
