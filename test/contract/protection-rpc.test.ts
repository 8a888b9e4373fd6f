// `checkProtection { device }` against real files (Node host, a temporary LANVPN_PREFIX): the rpc
// face's half of "is this device protected?". A stand-in daemon (a process that takes SIGHUP, and
// this test writing the answer file as daemon/protection.ts does) shows the round trip: the
// request the daemon gets, the answer read and removed, the verdict.
import { spawn, type ChildProcess } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG_TEXT } from '../../applet/src/core/config/defaults'
import { resolvePaths } from '../../applet/src/core/paths'
import { createNodeHost } from '../../applet/src/host/node'
import { protectionMethods } from '../../applet/src/rpc/protection'
import { handleCall } from '../../applet/src/rpc/protocol'
import { writeDevicesFile } from '../../applet/src/system/devices-file'

const tmp = mkdtempSync(join(tmpdir(), 'lanvpn-protection-rpc-'))
const paths = resolvePaths(tmp)
const host = createNodeHost()
const call = (args: object) =>
  handleCall(
    protectionMethods,
    { host, paths },
    'checkProtection',
    JSON.stringify(args)
  ) as Promise<Record<string, any>>
const LAPTOP = '02:00:00:00:50:01'
const requestsDir = join(paths.runDir, 'requests')
const answersDir = join(paths.runDir, 'answers')

let daemon: ChildProcess | null = null

beforeEach(() => {
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(join(tmp, 'etc/config'), { recursive: true })
  writeFileSync(
    paths.config,
    `${DEFAULT_CONFIG_TEXT}\nconfig device 'd_020000005001'\n\toption mac '${LAPTOP}'\n\toption mode 'vpn'\n\toption label 'Laptop'\n`
  )
  writeDevicesFile(host, paths, [
    { mac: LAPTOP, hostname: 'laptop-7', ipv4: [], ipv6: [], online: true } as never,
  ])
})
afterEach(() => {
  daemon?.kill('SIGKILL')
  daemon = null
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** A process that survives SIGHUP, named in the pid file as the daemon (its command line names
 * lanvpn, as readDaemonPid checks). */
async function standInDaemon(): Promise<void> {
  daemon = spawn(
    process.execPath,
    ['-e', "process.on('SIGHUP',()=>{});setTimeout(()=>{},60000)", 'lanvpn-stand-in'],
    {
      stdio: 'ignore',
    }
  )
  await new Promise((r) => setTimeout(r, 200))
  mkdirSync(paths.runDir, { recursive: true })
  writeFileSync(paths.pidFile, `${daemon.pid}\n`)
}

/** Answers the first queued request as the daemon does, and returns it. */
async function answerFirstRequest(answer: object): Promise<Record<string, string>> {
  for (let i = 0; i < 100; i++) {
    const names = existsSync(requestsDir) ? readdirSync(requestsDir) : []
    if (names.length) {
      const req = JSON.parse(readFileSync(join(requestsDir, names[0]), 'utf8'))
      rmSync(join(requestsDir, names[0]))
      mkdirSync(answersDir, { recursive: true })
      writeFileSync(join(answersDir, `${req.id}.json`), JSON.stringify(answer))
      return req
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error('no request came')
}

describe('checkProtection', () => {
  it('asks the daemon for the device named so, and answers its counters and verdict', async () => {
    await standInDaemon()
    const counters = { tunnel: 1234, wan: 0, stopped: 2, dns: 9, ipv6: 0 }
    const [reply, req] = await Promise.all([
      call({ device: 'laptop' }),
      answerFirstRequest({ counters, sinceWallMs: 1000, untilWallMs: 601000, started: false }),
    ])
    expect(req).toMatchObject({ kind: 'protection', mac: LAPTOP })
    expect(reply).toEqual({
      mac: LAPTOP,
      name: 'Laptop',
      mode: 'vpn',
      verdict: 'protected',
      counters,
      sinceWallMs: 1000,
      untilWallMs: 601000,
      started: false,
    })
    // Read once and gone: nothing of it stays in a file.
    expect(readdirSync(answersDir)).toEqual([])
  })

  it('takes a MAC in any form, and one the router has not seen, with the default mode', async () => {
    await standInDaemon()
    const [reply, req] = await Promise.all([
      call({ device: '02-00-00-00-50-0A' }),
      answerFirstRequest({
        counters: { tunnel: 0, wan: 5, stopped: 0, dns: 0, ipv6: 0 },
        sinceWallMs: 1,
        untilWallMs: 2,
        started: false,
      }),
    ])
    expect(req.mac).toBe('02:00:00:00:50:0a')
    expect(reply).toMatchObject({ name: '', mode: 'vpn', verdict: 'wan' })
  })

  it('names the field for a device it does not know, listing the names it does', async () => {
    expect(await call({ device: 'fridge' })).toEqual({
      error: {
        code: 'not_found',
        field: 'device',
        message: 'device: "fridge" is no device\'s MAC or name (devices: Laptop)',
      },
    })
  })

  it('refuses a multicast MAC and a missing device', async () => {
    expect((await call({ device: '01:00:5e:00:00:01' })).error).toMatchObject({
      code: 'invalid_argument',
      field: 'device',
    })
    expect((await call({})).error).toMatchObject({ code: 'invalid_argument', field: 'device' })
  })

  it('says lanvpn is not running, and leaves no question queued for a later daemon', async () => {
    expect((await call({ device: LAPTOP })).error.message).toBe(
      'lanvpn is not running, so nothing counts the packets now'
    )
    expect(existsSync(requestsDir) ? readdirSync(requestsDir) : []).toEqual([])
  })

  it('says lanvpn is off, when it is', async () => {
    writeFileSync(
      paths.config,
      readFileSync(paths.config, 'utf8').replace("option enabled '1'", "option enabled '0'")
    )
    expect((await call({ device: LAPTOP })).error.message).toBe(
      'lanvpn is turned off, so it has no rules to count with'
    )
  })
})
