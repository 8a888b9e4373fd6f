// The daemon/rpc/CLI code as ES modules loaded on demand: dist/lanvpn.js, the entry (applet/src/
// main.ts), and its chunks lanvpn-<chunk>.js beside it. QuickJS compiles a whole file when it loads
// it, so parsing is most of a short command's cost under qjs, and every change made in the web UI
// is one `lanvpn.js rpc call METHOD`: that must parse no daemon or CLI code (product.md Budgets: an
// rpc write ≤ 8 × an empty qjs start, on a router CPU 10–20 × slower than a PC).
//
// Which module goes into which chunk is decided here, not left to the bundler's automatic
// splitting (esbuild's made a chunk for every set of verbs sharing a module: 12 to 34 files, each a
// tar header in an .ipk with little room left). rolldown (the bundler inside Vite) builds it, with
// one manual group per chunk: a module goes into the chunk whose roots reach it by static imports;
// one that the roots of two or more chunks reach goes into `base`, which also holds all the entry
// and `lanvpn rpc` need; one only the commands reach goes into `command` (the main package's
// `lanvpn` command) or, if only the feature commands reach it, into `cli` (the package
// lanvpn-cli). So every chunk but the feature commands' imports base alone (checked below), and
// the file names are the chunk names, stable whatever the code.
import { rolldown } from 'rolldown'
import { minify } from 'terser'
import { join, relative } from 'node:path'

/** The chunks and their roots (paths under applet/src). `base`: what every verb loads (the QuickJS
 * host, the log, config, UCI and files) and the whole rpc table; `profile-import`: the WireGuard
 * parser and the import itself, which only importProfile and `lanvpn import` load; `daemon`: the
 * daemon; `command`: the main package's `lanvpn` command (cleanup, wan-event, help and the way to
 * daemon and rpc); `cli`: the feature commands, status and check among them (lanvpn-cli, which may
 * import every chunk but the other optional ones); `node`: the Node host, never loaded under qjs; `openvpn`: the .ovpn parser and
 * what runs openvpn, loaded when an OpenVPN profile is imported or brought up. */
export const CHUNK_ROOTS = {
  base: ['main.ts', 'rpc/command.ts'],
  'profile-import': ['system/profile-import.ts'],
  daemon: ['daemon/daemon.ts'],
  node: ['host/node.ts'],
  openvpn: ['openvpn.ts'],
  command: ['cli/cli.ts'],
  cli: ['cli/features.ts'],
}

/** The chunks of packages of their own (scripts/ipk.mjs ADDONS: lanvpn-node, lanvpn-openvpn,
 * lanvpn-cli), so maybe not installed: only ever loaded with import(), and a module they share
 * with the commands goes into base rather than into them. */
export const OPTIONAL_CHUNKS = ['node', 'openvpn', 'cli']

/** The chunks of the commands: a module only they reach goes into `command`, or into `cli` when
 * only the feature commands reach it; one they share with another chunk goes there. */
const COMMAND_CHUNKS = ['command', 'cli']

/** The entry's file name; the chunks are `lanvpn-<chunk>.js` beside it. */
export const ENTRY_FILE = 'lanvpn.js'

/** rolldown's helper for the namespace objects of chunks loaded with import(): a chunk of its own
 * (rolldown places it; it is a few lines). */
const RUNTIME_FILE = 'lanvpn-runtime.js'

/** Every file of the applet, entry first: what scripts/build.mjs writes to dist/ and the package
 * installs in /usr/share/lanvpn/, beside PACKAGE_JSON. */
export const APPLET_FILES = [
  ENTRY_FILE,
  ...Object.keys(CHUNK_ROOTS).map((name) => `lanvpn-${name}.js`),
  RUNTIME_FILE,
]

/** The package.json beside the files: Node reads a `.js` file as an ES module only under one that
 * says so (on a router with Node, OpenWrt 24.10, as in dist/). qjs is told with -m; it also takes
 * the entry for a module without it, since the entry starts with an import (checked below). */
export const PACKAGE_JSON = '{ "type": "module" }\n'

/** Property names that nothing outside the applet uses and no JSON holds: the host methods
 * (host/host.ts) with the write options' `durable` and the config lock's methods, the paths of
 * core/paths.ts that nothing else names (not runDir, secretsDir, fw4Include, tunnelIface), the
 * config file a change sees (system/files.ts isMissing), the history's clocks kept in RAM
 * (core/history.ts: startMonoMs, offsetMs, atStart, daemonStartMonoMs), the MediaStreamer
 * scheduler's own state (core/mediastreamer/scheduler.ts), the tunnel health machine's
 * (core/tunnel/health.ts: candidates, sinceMs, attempts, …), a WireGuard peer's latestHandshake
 * (core/observe/wg.ts; the status says handshakeAgeS) and the UCI parser's private members
 * (core/uci/parse.ts). None of these names is a property anywhere else in applet/src. terser
 * renames them, alike in every chunk (one cache of property names): about 0.45 KB of the gzipped
 * .ipk. Not the names QuickJS's os/std or Node's objects also have (exec, stat, kill, pid, exit,
 * setTimeout, read, mode, isFile, mtimeMs, …), nor setLogLevel, whose name system/log.ts compares
 * as a string. */
const SHORT_PROPERTIES =
  /^(writeFileAtomic|createExclusive|removeFile|mkdirp|listDir|monotonicMs|readStdin|writeStdout|writeStderr|getEnv|onSignal|backoffUntilMs|isProviderWait|inflight|hasReadWan|lastEchoAtMs|echoDueAtMs|echoIndex|nextWanReadAtMs|isWanReadWanted|registeredIp|isEventRead|isForced|timerAtMs|srcPos|srcLine|lineAt|lineOfPos|fgets|strlen|getLine|skipWhitespace|backslash|quotedPiece|parseStr|nextArg|assertEol|skipWord|parseLine|invalidCommand|parsePackage|parseOption|byteAt|filled|eof|buf|pos|candidates|sinceMs|attempts|wanAddress|echoAddress|latestHandshake|setupFailures|setupRounds|preferredAnswers|lastOkMs|offlineAtMs|checkedAtMs|readFileBytes|lockFile|isCurrent|rewrite|durable|backupSecretsList|sideIface|appliedConfig|pidFile|stateDir|dhcpConfig|firewallConfig|ovpnUpHook|isMissing|startMonoMs|offsetMs|atStart|daemonStartMonoMs)$/

/** terser's compress options, for the applet and the web UI (webui/vite.config.ts): four passes
 * (62 bytes of the .ipk fewer than two, for about 2 s of build; more find nothing) and the two
 * "unsafe" rewrites that are safe in this code, about 0.15 KB of the gzipped .ipk:
 * a function expression that uses no `this` becomes an arrow (nothing here reads a function
 * expression's prototype or calls one with `new`), and `{ m: function () {} }` becomes `{ m() {} }`
 * (no object's method is a constructor). Not the other unsafe options: `pure_getters` would drop
 * a bare `signal.value` read, which subscribes (webui/src/signals.ts), and `unsafe_comps` would
 * write `!(n > 0)` as `n <= 0`, not the same for a NaN from Number(). */
export const TERSER_COMPRESS = {
  ecma: 2020,
  passes: 4,
  unsafe_arrows: true,
  unsafe_methods: true,
}

/** The static import closure of each chunk's roots, by module id. */
function closures(ctx, src) {
  const reach = (ids) => {
    const seen = new Set()
    const todo = [...ids]
    while (todo.length) {
      const id = todo.pop()
      if (seen.has(id)) continue
      seen.add(id)
      todo.push(...(ctx.getModuleInfo(id)?.importedIds ?? []))
    }
    return seen
  }
  return Object.fromEntries(
    Object.entries(CHUNK_ROOTS).map(([name, roots]) => [
      name,
      reach(roots.map((r) => join(src, r))),
    ])
  )
}

/** The chunk of one module; null for main.ts, which stays in the entry. */
function chunkOf(id, reached, src) {
  if (relative(src, id) === 'main.ts') return null
  if (reached.base.has(id)) return 'base'
  const by = Object.keys(CHUNK_ROOTS).filter(
    (n) => !COMMAND_CHUNKS.includes(n) && reached[n].has(id)
  )
  const byCommands = COMMAND_CHUNKS.filter((n) => reached[n].has(id))
  if (by.length > 1) return 'base'
  if (OPTIONAL_CHUNKS.includes(by[0]) && byCommands.length) return 'base'
  return by[0] ?? byCommands[0]
}

/** Fails the build unless the files are APPLET_FILES, every chunk but the commands' imports only
 * base (and the runtime), the commands no optional chunk, only the Node host imports node:*, the
 * daemon imports nothing later on, and qjs without -m still sees a module in the entry. */
function check(files) {
  const names = files.map((f) => f.fileName)
  if ([...names].sort().join() !== [...APPLET_FILES].sort().join())
    throw new Error(`the applet is ${names.join(', ')}, not ${APPLET_FILES.join(', ')}`)
  for (const f of files) {
    const local = f.imports.filter((i) => !i.startsWith('node:'))
    const optional = OPTIONAL_CHUNKS.map((c) => `lanvpn-${c}.js`)
    // The commands share modules with the daemon (cleanup, check): those stay in its chunk.
    const allowed = COMMAND_CHUNKS.map((c) => `lanvpn-${c}.js`).includes(f.fileName)
      ? APPLET_FILES.filter((n) => !optional.includes(n))
      : ['lanvpn-base.js', RUNTIME_FILE]
    const bad = local.filter((i) => !allowed.includes(i))
    if (bad.length) throw new Error(`${f.fileName} imports ${bad.join(', ')}: see CHUNK_ROOTS`)
    if (local.length < f.imports.length && f.fileName !== 'lanvpn-node.js')
      throw new Error(`${f.fileName} imports node:*, which only the Node host may`)
  }
  // A daemon runs for months: all its code is loaded when it starts, so an upgrade that replaces
  // these files under a running daemon cannot mix two versions in it. The one exception is
  // lanvpn-openvpn.js, a package of its own that an OpenVPN location loads (through base's
  // system/openvpn-addon.ts, which refuses one of another version); its postinst restarts the
  // daemon.
  if (files.find((f) => f.fileName === 'lanvpn-daemon.js').dynamicImports.length)
    throw new Error('lanvpn-daemon.js must not import() anything')
  // qjs takes a file for a module when its first token is `import` (not `import(`) or `export`
  // (JS_DetectModule), so `qjs --std lanvpn.js` works as `qjs --std -m lanvpn.js` does.
  const entry = files.find((f) => f.fileName === ENTRY_FILE).code
  if (!/^import\s*[{*\w"']/.test(entry)) throw new Error(`${ENTRY_FILE} must start with an import`)
}

/** Builds the applet: `[{ fileName, code }]` in APPLET_FILES order. `src`: applet/src; `define`:
 * global names replaced at build time. Reproducible: the same sources give the same bytes. */
export async function buildAppletFiles({ src, define }) {
  let reached
  const bundle = await rolldown({
    input: { lanvpn: join(src, 'main.ts') },
    platform: 'neutral',
    external: [/^node:/],
    // Chunks loaded with import() may export more than their module does: nothing else sees them.
    preserveEntrySignatures: 'allow-extension',
    transform: { target: 'es2020', define },
    logLevel: 'warn',
  })
  try {
    const { output } = await bundle.generate({
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: (c) => (c.name === 'rolldown-runtime' ? RUNTIME_FILE : `lanvpn-${c.name}.js`),
      minify: true,
      comments: false,
      codeSplitting: {
        // Each module goes where chunkOf says, not with the modules that import it.
        includeDependenciesRecursively: false,
        groups: [
          {
            debugName: 'lanvpn chunks',
            name: (id, ctx) => chunkOf(id, (reached ??= closures(ctx, src)), src),
          },
        ],
      },
    })
    const files = output.filter((o) => o.type === 'chunk')
    // terser after rolldown's own minifier: its second pass takes a little more off (0.2 KB of the
    // gzipped .ipk, whose budget is tight).
    const out = []
    // terser keeps the property names it chose here (props.props), so every chunk uses the same.
    const props = {}
    for (const f of files) {
      const { code } = await minify(f.code, {
        ecma: 2020,
        module: true,
        compress: TERSER_COMPRESS,
        mangle: { properties: { regex: SHORT_PROPERTIES } },
        nameCache: { props },
        format: { comments: false },
      })
      const { fileName, imports, dynamicImports } = f
      out.push({ fileName, imports, dynamicImports, code })
    }
    check(out)
    return out
      .sort((a, b) => APPLET_FILES.indexOf(a.fileName) - APPLET_FILES.indexOf(b.fileName))
      .map(({ fileName, code }) => ({ fileName, code }))
  } finally {
    await bundle.close()
  }
}
