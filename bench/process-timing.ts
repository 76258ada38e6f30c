/**
 * Whole-process measurements of a command: wall time (the parent's clock, spawn to exit), CPU time
 * and peak RSS of the process. Uses GNU time (`/usr/bin/time -f '%e %U %S %M'`) when the machine
 * has it, else a Python wrapper that reports getrusage(RUSAGE_CHILDREN), else wall time only.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProcessMeasure {
  wallS: number;
  cpuS?: number;
  maxRssMB?: number;
  /** stdout when it was piped (else empty); the tail of stderr. */
  stdout: string;
  stderr: string;
}

export interface TimedCommand {
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** 'null': stdout goes to /dev/null (the tool's output); 'pipe': collected (a small report). */
  stdout: 'null' | 'pipe';
}

const RUSAGE_WRAPPER =
  'import resource, subprocess, sys\n' +
  'code = subprocess.call(sys.argv[2:])\n' +
  'r = resource.getrusage(resource.RUSAGE_CHILDREN)\n' +
  'open(sys.argv[1], "w").write(f"0 {r.ru_utime} {r.ru_stime} {r.ru_maxrss}")\n' +
  'sys.exit(code)\n';

/** How the machine measures a child: GNU time, a Python getrusage wrapper, or nothing (wall time only). */
export function resourceMeter(): { describe: string; wrap(report: string, cmd: string, args: string[]): [string, string[]] } | undefined {
  if (existsSync('/usr/bin/time')) {
    return { describe: "/usr/bin/time -f '%e %U %S %M'", wrap: (report, cmd, args) => ['/usr/bin/time', ['-f', '%e %U %S %M', '-o', report, cmd, ...args]] };
  }
  const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import resource'], { stdio: 'ignore' }).status === 0);
  if (python === undefined) return undefined;
  return { describe: `${python} getrusage(RUSAGE_CHILDREN) wrapper`, wrap: (report, cmd, args) => [python, ['-c', RUSAGE_WRAPPER, report, cmd, ...args]] };
}

const meter = resourceMeter();
const reportDir = mkdtempSync(join(tmpdir(), 'jobtap-bench-time-'));
process.once('exit', () => rmSync(reportDir, { recursive: true, force: true }));
let reports = 0;

/** Runs the command to completion; rejects when it exits non-zero (with its stderr). */
export function timeProcess(command: TimedCommand): Promise<ProcessMeasure> {
  const report = join(reportDir, `${reports++}.txt`);
  const [cmd, args] = meter === undefined ? [command.cmd, command.args] : meter.wrap(report, command.cmd, command.args);
  const stdout = command.stdout === 'null' ? openSync('/dev/null', 'w') : 'pipe';
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: command.env ?? process.env, stdio: ['ignore', stdout, 'pipe'] });
    if (typeof stdout === 'number') closeSync(stdout);
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-8000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${command.cmd} ${command.args.join(' ')} exited with ${String(code)}:\n${err}`));
      const measure: ProcessMeasure = { wallS, stdout: out, stderr: err };
      if (meter !== undefined) {
        const [, user, system, rssKB] = readFileSync(report, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
        measure.cpuS = user + system;
        measure.maxRssMB = rssKB / 1024;
      }
      resolve(measure);
    });
  });
}
