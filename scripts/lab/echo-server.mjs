#!/usr/bin/env node
// The lab's "what is my IP" service, run in the inet namespace (see docs/lab.md).
//
//   node echo-server.mjs --log FILE [--ready FILE] --tcp 192.0.2.1:80 --tcp [2001:db8:2::1]:80 \
//     --udp 192.0.2.1:9000
//
// TCP: any HTTP GET answers 200 with the caller's source address as plain text (no newline).
// UDP: every datagram is answered with the sender's source address.
// Every request appends one JSON line {t, proto, src, port, sport, dst, path?} to the log, where
// t is epoch ms, port is the local (service) port and sport the caller's port, so tests can count
// what arrived and from where. The ready file is written once every listener is bound.
import { appendFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createSocket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    log: { type: 'string' },
    ready: { type: 'string' },
    tcp: { type: 'string', multiple: true, default: [] },
    udp: { type: 'string', multiple: true, default: [] },
  },
})
if (!values.log) throw new Error('echo-server: --log FILE is required')
const logFile = values.log

/** "192.0.2.1:80" or "[2001:db8:2::1]:80" → { host, port } */
function parseListen(spec) {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(spec)
  if (!m) throw new Error(`echo-server: bad listen address ${spec}`)
  return { host: m[1], port: Number(m[2]) }
}

/** Strips the IPv4-mapped prefix so a v4 caller reads as 198.51.100.2, not ::ffff:198.51.100.2. */
function plainAddress(addr) {
  return addr?.startsWith('::ffff:') ? addr.slice(7) : (addr ?? '')
}

function record(entry) {
  appendFileSync(logFile, JSON.stringify({ t: Date.now(), ...entry }) + '\n')
}

function listenTcp({ host, port }) {
  const server = createServer((req, res) => {
    const src = plainAddress(req.socket.remoteAddress)
    record({
      proto: 'tcp',
      src,
      port,
      sport: req.socket.remotePort,
      dst: plainAddress(req.socket.localAddress),
      path: req.url,
    })
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' })
    res.end(src)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host, port, ipv6Only: isIPv6(host) }, resolve)
  })
}

function listenUdp({ host, port }) {
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4')
  socket.on('message', (_msg, rinfo) => {
    record({ proto: 'udp', src: rinfo.address, port, sport: rinfo.port, dst: host })
    socket.send(rinfo.address, rinfo.port, rinfo.address)
  })
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind({ address: host, port }, resolve)
  })
}

await Promise.all([
  ...values.tcp.map((spec) => listenTcp(parseListen(spec))),
  ...values.udp.map((spec) => listenUdp(parseListen(spec))),
])
console.log(`echo-server: listening on tcp ${values.tcp.join(' ')} udp ${values.udp.join(' ')}`)
if (values.ready) writeFileSync(values.ready, `${process.pid}\n`)

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0))
