// `make demo` as someone meets it: started in the background of a script (so it inherits INT
// ignored), it prints a banner whose commands work as printed (the provider files are there, a lab
// device's curl gets the echo's answer, `lanvpn` runs in the router), and `kill -INT` tears
// everything down: exit status 130, no namespace, no prefix left.
//
//   vitest ──bash -c 'demo.sh &'──> demo.sh ──> lab.sh up (namespaces lvdt-*), lanvpnd, devrouter
//                                    │ banner: sudo ip netns exec lvdt-laptop curl … 192.0.2.1
//                                    ▼
//                                 kill -INT <pid> → stop_all → lab.sh down
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { labOrFail, waitFor } from './lab'

const REPO = resolve(import.meta.dirname, '../..')
const LAB = 'lvdt'
const STATE = '/run/lanvpn-demo-test'

/** A TCP port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => done(port))
    })
    server.on('error', fail)
  })
}

const namespaces = () =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith(`${LAB}-`))

/** Runs a banner command line as root would (without its `sudo`), through bash. */
const run = (line: string) =>
  execFileSync('bash', ['-c', line.trim().replace(/^sudo /, '')], {
    encoding: 'utf8',
    timeout: 30_000,
  })

/** The last `n` lines of `file`, or why there are none. */
function lastLines(file: string, n: number): string {
  try {
    const lines = readFileSync(file, 'utf8').replace(/\n$/, '').split('\n')
    return lines.slice(-n).join('\n')
  } catch (e) {
    return `(no log: ${(e as Error).message})`
  }
}

describe.runIf(labOrFail())('make demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lanvpn-demo-test-'))
  const log = join(dir, 'demo.log')
  let pid = 0

  /** `e` with the last 80 lines demo.sh printed added to its message: the log goes with `dir` in
   * afterAll, and a failure (a banner that never came) must still say why in CI's output. */
  const withDemoLog = (e: unknown): unknown => {
    const tail = `\n\n--- the last 80 lines demo.sh printed ---\n${lastLines(log, 80)}\n---`
    if (e instanceof Error) {
      e.message += tail
      return e
    }
    return new Error(`${String(e)}${tail}`)
  }

  afterAll(async () => {
    // Should the test fail half-way, still stop what it started, and wait for its teardown.
    if (pid && existsSync(`/proc/${pid}`)) {
      process.kill(pid, 'SIGTERM')
      await waitFor('the demo to exit', () => !existsSync(`/proc/${pid}`), 60_000)
    }
    rmSync(dir, { recursive: true, force: true })
    rmSync(STATE, { recursive: true, force: true })
  })

  // Longer than every wait below together (10 + 150 + 30 + 30 + 60 s), so that each of them, not
  // vitest's timeout, ends a test that hangs: its error then carries the demo's log.
  it('prints a banner whose commands work, and stops on kill -INT though started in the background', async () => {
    try {
      await demo()
    } catch (e) {
      throw withDemoLog(e)
    }
  }, 300_000)

  async function demo() {
    if (!existsSync(join(REPO, 'dist/root/www/lanvpn/index.html')))
      throw new Error('run `npm run build` first (dist/root is missing)')
    const port = await freePort()
    // A non-interactive shell's background job starts with INT ignored, as `make demo &` does.
    // The shell stays to record the demo's exit status.
    const rcFile = join(dir, 'rc')
    const starter = spawn(
      'bash',
      [
        '-c',
        `scripts/demo.sh >"$1" 2>&1 & echo $!; wait $!; echo $? >"$2"`,
        'starter',
        log,
        rcFile,
      ],
      {
        cwd: REPO,
        env: { ...process.env, LAB, DEMO_STATE: STATE, DEMO_PORT: String(port) },
        stdio: ['ignore', 'pipe', 'inherit'],
      }
    )
    let out = ''
    starter.stdout.on('data', (b) => (out += b))
    await waitFor('the demo pid', () => out.includes('\n'), 10_000)
    pid = Number(out.trim())
    expect(pid).toBeGreaterThan(0)

    await waitFor(
      'the banner',
      () => {
        // Gone before its banner: say so now, not 150 s later.
        if (existsSync(rcFile))
          throw new Error(
            `demo.sh exited with status ${readFileSync(rcFile, 'utf8').trim()} before its banner`
          )
        return readFileSync(log, 'utf8').includes('lanvpn demo is running')
      },
      150_000
    )
    const banner = readFileSync(log, 'utf8').slice(
      readFileSync(log, 'utf8').indexOf('lanvpn demo is running')
    )
    expect(banner).toContain(`http://127.0.0.1:${port}/lanvpn/`)
    expect(banner).toContain(`kill -INT ${pid}`)
    for (const file of banner.match(/\/run\/lanvpn-lab\/\S+\.(conf|ovpn)/g) ?? [])
      expect(existsSync(file), file).toBe(true)
    expect(banner.match(/client-vpn\.conf|client-vpn2\.conf|client-ovpn\.ovpn/g)).toHaveLength(3)

    const commands = banner.split('\n').filter((l) => /^ {16}sudo /.test(l))
    const curl = commands.find((l) => l.includes(`${LAB}-laptop curl`))!
    expect(run(curl)).toBe('198.51.100.2\n')
    const shell = commands.find((l) => l.includes(`${LAB}-router`))!
    expect(shell.trim().endsWith(' sh')).toBe(true)
    expect(run(`${shell} -c 'lanvpn status'`)).toMatch(/^daemon: {2}running/)
    expect(banner).toMatch(/https:\/\/192\.0\.2\.2\/activate\?ip=\{ip\}&token=\{token\}/)
    expect(banner).toContain('Smart DNS server: 192.0.2.54')

    process.kill(pid, 'SIGINT')
    await waitFor('the demo to exit', () => existsSync(rcFile), 60_000)
    expect(readFileSync(rcFile, 'utf8')).toBe('130\n')
    expect(readFileSync(log, 'utf8')).toContain('[+] demo: stopped')
    expect(namespaces()).toEqual([])
    expect(existsSync(join(STATE, 'root'))).toBe(false)
  }
})
