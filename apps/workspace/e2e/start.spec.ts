// `npm start` itself: spawned as a person would run it, its first line is the workspace URL, and
// that page lists the emulated Pro and Mini from the same server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, shot } from './fixtures.ts';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
let child: ChildProcess | undefined;
let home: string | undefined;

test.afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (home) rmSync(home, { recursive: true, force: true });
});

test('npm start prints the workspace URL first, and that page lists the emulated Pro and Mini', async ({
  page,
}) => {
  home = mkdtempSync(join(tmpdir(), 'osprio-npm-start-'));
  // The emulators' flash goes under XDG_STATE_HOME: keep it out of the real home directory.
  const env = {
    ...process.env,
    HOME: home,
    XDG_STATE_HOME: join(home, 'state'),
    npm_config_update_notifier: 'false',
  };
  child = spawn('npm', ['start', '--silent', '--', '--speed', 'max'], {
    cwd: repo,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  const firstLine = await new Promise<string>((resolve, reject) => {
    child!.stdout!.on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child!.once('exit', (code) => reject(new Error(`npm start exited ${code}: ${out}`)));
  });
  const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(firstLine);
  expect(m, `first line: ${firstLine}`).not.toBeNull();
  const url = m![1]!;

  await page.goto(url);
  await expect(page.getByRole('tab', { name: 'Provisioner 1' })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Osprio Pro', exact: true })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Osprio Mini', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'PAIR NEW' })).toBeVisible();
  await shot(page, 'shell-npm-start-pairing');

  await page.getByRole('radio', { name: 'Osprio Mini', exact: true }).check();
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('tab', { name: 'Provisioner 1: Osprio Mini' })).toBeVisible();
});
