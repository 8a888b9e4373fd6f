import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { stripShellComments } from '../../scripts/strip-shell.mjs'

const FILES = join(__dirname, '../../openwrt-package/files')

describe('stripShellComments', () => {
  it('drops the lines that are only a comment and keeps the #! line and trailing comments', () => {
    const text = '#!/bin/sh\n# why\n\t# indented\necho a # not dropped\n  #\necho b\n'
    expect(stripShellComments(text)).toBe('#!/bin/sh\necho a # not dropped\necho b\n')
  })

  it('keeps here-documents and multi-line strings whole, # lines included', () => {
    const text = [
      "cat <<'EOF'",
      '# data',
      'EOF',
      "awk '",
      '# an awk comment, inside the quotes',
      "'",
      'echo "a',
      '# still the string',
      '"',
      '# a comment again',
      'echo it#s',
    ].join('\n')
    expect(stripShellComments(text)).toBe(text.replace('# a comment again\n', ''))
  })

  it('drops the indentation outside strings, here-documents and continued lines', () => {
    const text = [
      'if true; then',
      '\tcase x in',
      '\t\tx) echo "a',
      '\t\t  b" ;;',
      '\tesac',
      "\tcat <<-'EOF'",
      '\t\tkept',
      '\tEOF',
      '\techo one\\',
      '\t\ttwo',
      'fi',
    ].join('\n')
    const stripped = [
      'if true; then',
      'case x in',
      'x) echo "a',
      '\t\t  b" ;;',
      'esac',
      "cat <<-'EOF'",
      '\t\tkept',
      '\tEOF',
      'echo one\\',
      '\t\ttwo',
      'fi',
    ].join('\n')
    expect(stripShellComments(text)).toBe(stripped)
    expect(execFileSync('sh', [], { input: stripped, encoding: 'utf8' })).toBe(
      execFileSync('sh', [], { input: text, encoding: 'utf8' })
    )
  })

  it('is safe to apply twice, and every script of the package still parses', () => {
    for (const f of ['etc/init.d/lanvpn', 'usr/libexec/lanvpn/ovpn-up', 'usr/bin/lanvpn']) {
      const once = stripShellComments(readFileSync(join(FILES, f), 'utf8'))
      expect(stripShellComments(once)).toBe(once)
      expect(once).not.toMatch(/^\s*#(?!!)/m)
      execFileSync('sh', ['-n'], { input: once })
    }
  })
})
