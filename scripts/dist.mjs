#!/usr/bin/env node
// The release: what an OpenWrt SDK builds lanvpn from (openwrt-package/README.md, "The feed").
//   dist/lanvpn-<version>.tar.gz  the Makefile's PKG_SOURCE: lanvpn-<version>/{root/,LICENSE,README.md}
//                                 (root/ is dist/root of `npm run build`; the SDK has no Node.js)
//   dist/feed/                    a feed for feeds.conf (`src-link lanvpn <path>/dist/feed`):
//     lanvpn/Makefile             openwrt-package/Makefile with PKG_HASH set to the tarball's sha256
//     lanvpn/control/             the maintainer scripts that Makefile reads ($(CURDIR)/control/…)
//     quickjs/Makefile            the QuickJS runtime for 24.10, which has none (openwrt-package/quickjs)
// The tarball is made as scripts/ipk.mjs makes its tars: GNU format, names sorted, owner 0:0 with no
// user or group names, every mtime SOURCE_DATE_EPOCH (default: the last commit's time), gzip with no
// name and mtime 0, so two runs on one tree and epoch give the same bytes. The checkout's Makefile
// says PKG_HASH:=skip (the hash of a tarball not yet made cannot be in the file it is made from);
// only the feed copy here names the hash.
// Usage: node scripts/dist.mjs [--out DIR]   (env: SOURCE_DATE_EPOCH)
import { createHash } from 'node:crypto'
import { cpSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { dataMode, gzipFixed, sourceDateEpoch, treeEntries, writeTar } from './ipk.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const PACKAGE_DIR = join(ROOT, 'openwrt-package')

/** The version of package.json, which is the Makefile's PKG_VERSION (test/package checks both). */
export function releaseVersion(root = ROOT) {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
}

/** The tar entries of the release tarball, in `tar --sort=name` order under `lanvpn-<version>/`:
 * LICENSE, README.md and root/ (the router tree with the .ipk's modes: scripts 0755, the rest 0644).
 * Throws when the router tree is missing. */
export function tarballEntries({ rootDir, version, repoDir = ROOT }) {
  try {
    lstatSync(join(rootDir, 'usr/share/lanvpn/lanvpn.js'))
  } catch {
    throw new Error(`${rootDir} is missing or incomplete: run \`npm run build\` first`)
  }
  const top = `lanvpn-${version}`
  const tree = treeEntries(rootDir, dataMode).map((e) => ({
    ...e,
    name: e.name === './' ? `${top}/root/` : `${top}/root/${e.name.slice(2)}`,
  }))
  const file = (name) => ({
    name: `${top}/${name}`,
    mode: 0o644,
    data: readFileSync(join(repoDir, name)),
  })
  // Byte order of the names, as GNU tar's --sort=name: LICENSE < README.md < root/.
  return [{ name: `${top}/`, mode: 0o755 }, file('LICENSE'), file('README.md'), ...tree]
}

/** The gzip-compressed release tarball. Pure over its inputs: same tree and epoch, same bytes. */
export function buildTarball({ rootDir, version, epoch, repoDir = ROOT }) {
  return gzipFixed(writeTar(tarballEntries({ rootDir, version, repoDir }), epoch))
}

/** The feed Makefile with the release's hash: `PKG_HASH:=<sha256>` in place of the checkout's line.
 * Throws when the Makefile has no PKG_HASH line, or its version is not `version`. */
export function stampMakefile(text, { version, sha256 }) {
  if (!/^PKG_HASH:=.*$/m.test(text)) throw new Error('openwrt-package/Makefile: no PKG_HASH line')
  if (!text.includes(`\nPKG_VERSION:=${version}\n`))
    throw new Error(`openwrt-package/Makefile: PKG_VERSION is not ${version} (package.json)`)
  return text.replace(/^PKG_HASH:=.*$/m, `PKG_HASH:=${sha256}`)
}

/** Writes the tarball and the feed into outDir (default dist/), replacing an older feed there, and
 * returns { tarball, sha256, feed }. Needs `npm run build` first. */
export function writeDist({ outDir = join(ROOT, 'dist'), env = process.env } = {}) {
  const version = releaseVersion()
  const bytes = buildTarball({
    rootDir: join(ROOT, 'dist/root'),
    version,
    epoch: sourceDateEpoch(env),
  })
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  mkdirSync(outDir, { recursive: true })
  const tarball = join(outDir, `lanvpn-${version}.tar.gz`)
  writeFileSync(tarball, bytes)

  const feed = join(outDir, 'feed')
  rmSync(feed, { recursive: true, force: true })
  mkdirSync(join(feed, 'lanvpn'), { recursive: true })
  const makefile = readFileSync(join(PACKAGE_DIR, 'Makefile'), 'utf8')
  writeFileSync(join(feed, 'lanvpn/Makefile'), stampMakefile(makefile, { version, sha256 }))
  cpSync(join(PACKAGE_DIR, 'control'), join(feed, 'lanvpn/control'), { recursive: true })
  cpSync(join(PACKAGE_DIR, 'quickjs'), join(feed, 'quickjs'), { recursive: true })
  return { tarball, sha256, feed }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out')
  const { tarball, sha256, feed } = writeDist(i > 0 ? { outDir: process.argv[i + 1] } : {})
  console.log(`${sha256}  ${tarball}`)
  console.log(`${feed}/ (feeds.conf: src-link lanvpn ${feed})`)
}
