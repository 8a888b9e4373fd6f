#!/usr/bin/env node
// The MediaStreamer provider of the lab (and of the contract test on 127.0.0.1): HTTPS with a lab
// CA made with openssl, serving
//   GET|POST /activate?ip=…&token=…   the generic activation endpoint: 200 "OK activated"
//   GET /nic/update?hostname=…&myip=… dyndns2 with basic auth: the next scripted answer, else
//                                     "good <myip>"
//   GET /ip                           an IP echo: the caller's source address as plain text
//   DIR/activate-mode (optional)      garbage | huge (8 MB) | hang: how /activate misbehaves
//
//   node provider-fixture.mjs --dir DIR --listen 192.0.2.2:443 [--san 192.0.2.2] [--ready FILE]
//
// DIR gets ca.pem (what clients trust: CURL_CA_BUNDLE), the server key and cert (made once),
// requests.jsonl (one JSON line per request: {t, path, src, ip, token?, auth?, body?}) and is
// read for answers.json (a JSON array of dyndns2 answer bodies, taken one per request; tests write
// it to script the next answers). Test credentials only: recording them is the point.
import { execFileSync } from 'node:child_process'
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:https'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    listen: { type: 'string', multiple: true, default: [] },
    san: { type: 'string', multiple: true, default: [] },
    ready: { type: 'string' },
  },
})
if (!values.dir) throw new Error('provider-fixture: --dir DIR is required')
const dir = values.dir

/** Makes the lab CA and a server certificate for the SAN addresses (once per DIR). */
function makeCerts(sans) {
  if (existsSync(`${dir}/server.pem`)) return
  const ossl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' })
  ossl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=lanvpn lab CA',
    '-keyout',
    `${dir}/ca.key`,
    '-out',
    `${dir}/ca.pem`
  )
  ossl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=provider.lab.test',
    '-keyout',
    `${dir}/server.key`,
    '-out',
    `${dir}/server.csr`
  )
  const alt = ['DNS:provider.lab.test', ...sans.map((ip) => `IP:${ip}`)].join(',')
  writeFileSync(`${dir}/ext.cnf`, `subjectAltName=${alt}\n`)
  ossl(
    'x509',
    '-req',
    '-in',
    `${dir}/server.csr`,
    '-CA',
    `${dir}/ca.pem`,
    '-CAkey',
    `${dir}/ca.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${dir}/ext.cnf`,
    '-out',
    `${dir}/server.pem`
  )
}

function plain(addr) {
  return addr?.startsWith('::ffff:') ? addr.slice(7) : (addr ?? '')
}

function nextAnswer(myip) {
  const file = `${dir}/answers.json`
  if (!existsSync(file)) return `good ${myip}`
  const queue = JSON.parse(readFileSync(file, 'utf8'))
  if (!Array.isArray(queue) || queue.length === 0) return `good ${myip}`
  writeFileSync(file, JSON.stringify(queue.slice(1)))
  return String(queue[0])
}

function record(entry) {
  appendFileSync(`${dir}/requests.jsonl`, JSON.stringify({ t: Date.now(), ...entry }) + '\n')
}

const listens = values.listen.length ? values.listen : ['127.0.0.1:0']
makeCerts(
  values.san.length
    ? values.san
    : listens.map((l) => l.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''))
)
const tls = { key: readFileSync(`${dir}/server.key`), cert: readFileSync(`${dir}/server.pem`) }

const server = createServer(tls, (req, res) => {
  let body = ''
  req.on('data', (c) => (body += c))
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'https://fixture')
    const src = plain(req.socket.remoteAddress)
    const send = (status, text) => {
      res.writeHead(status, { 'content-type': 'text/plain' })
      res.end(text)
    }
    if (url.pathname === '/ip') {
      record({ path: '/ip', src })
      return send(200, src)
    }
    if (url.pathname === '/activate') {
      const form = new URLSearchParams(body)
      const ip = url.searchParams.get('ip') ?? form.get('ip') ?? ''
      const token = url.searchParams.get('token') ?? form.get('token') ?? ''
      record({ path: '/activate', src, ip, token, method: req.method, body: body || undefined })
      // Fault injection for tests: DIR/activate-mode holds garbage | huge | hang.
      const mode = existsSync(`${dir}/activate-mode`)
        ? readFileSync(`${dir}/activate-mode`, 'utf8').trim()
        : ''
      if (mode === 'garbage') return send(200, '\u0000\u00ff<html>%%%{"unexpected"')
      if (mode === 'huge') return send(200, 'x'.repeat(8 * 1024 * 1024))
      if (mode === 'hang') return // never answers: the client's timeout must end it
      return send(200, 'OK activated')
    }
    if (url.pathname === '/nic/update') {
      const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '')
      const auth = m ? Buffer.from(m[1], 'base64').toString() : ''
      const ip = url.searchParams.get('myip') ?? ''
      if (!auth) {
        record({ path: '/nic/update', src, ip, auth })
        res.writeHead(401, { 'www-authenticate': 'Basic realm="lab"' })
        return res.end('badauth')
      }
      const answer = nextAnswer(ip)
      record({
        path: '/nic/update',
        src,
        ip,
        auth,
        hostname: url.searchParams.get('hostname') ?? '',
      })
      return send(200, answer)
    }
    record({ path: url.pathname, src })
    send(404, 'not found')
  })
})

let pending = listens.length
for (const spec of listens) {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(spec)
  if (!m) throw new Error(`provider-fixture: bad listen address ${spec}`)
  const s = pending === listens.length ? server : createServer(tls, server.listeners('request')[0])
  s.listen(Number(m[2]), m[1], () => {
    // With port 0 (tests), say which port was chosen.
    writeFileSync(`${dir}/port`, String(s.address().port))
    if (--pending === 0 && values.ready) writeFileSync(values.ready, 'ready\n')
  })
}
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0))
