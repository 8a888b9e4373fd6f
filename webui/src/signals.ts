// The web UI's reactive state: signals, computeds, effects, and their binding to Preact. It takes
// the place of @preact/signals (about 3.6 KB gzipped, in the first view, and the main .ipk was over
// its budget); this is about 1.5 KB, with only what the UI uses and the same meaning:
// - a write notifies only when the value changed (Object.is), and effects run once the write's
//   notifications are all out, so a computed over two computeds of one signal runs once per change
//   and never sees one of them updated and the other not (no glitch);
// - computeds are lazy and cached; one nobody watches holds no subscription (a page's computeds
//   do not stay subscribed to the shared models after the page goes), and checks its sources
//   when read, cheaply when no signal was written since (globalVersion);
// - a component re-renders, once per tick, when a signal or computed it read while rendering
//   changed, and drops its subscriptions when it unmounts;
// - a signal as a text child renders as a little component of its own (SignalText), so a change
//   updates that text node alone; a signal as a DOM element's prop is read when the element is
//   created, by the component rendering it, which re-renders when the signal changes. An element
//   created outside any component shows the value of that moment.
import { options, type Component } from 'preact'
import { useMemo, useRef } from 'preact/hooks'

/** What reads signals and hears when they change: a computed, an effect or a component. */
type Reader = {
  /** The sources read by the last run, in reading order, each with its version then. */
  _sources: Map<Signal, number>
  /** A source may have changed. */
  _notify(): void
}

/** The reader whose reads are being recorded, if any. */
let reader: Reader | undefined
/** Bumped by every write: a computed nobody watches is still up to date while it is unchanged. */
let globalVersion = 0
/** Open batches (a write's notifications, an effect's run): effects run when the last one ends. */
let depth = 0
const queue: Effect[] = []

/** A value that tells its readers when it changes. Writable through `.value`. */
export class Signal<T = unknown> {
  _value: T
  /** Bumped by every change: a reader compares it with the version it read. */
  _version = 0
  /** The computeds, effects and components to notify of a change. */
  _readers = new Set<Reader>()

  constructor(value: T) {
    this._value = value
  }

  /** The value; read by a computed, an effect or a component render, it subscribes the reader. */
  get value(): T {
    track(this)
    return this._value
  }

  set value(value: T) {
    if (Object.is(value, this._value)) return
    this._value = value
    this._version++
    globalVersion++
    batch(() => this._readers.forEach((r) => r._notify()))
  }

  /** The value, without subscribing whoever is reading. */
  peek(): T {
    return this._value
  }

  /** Calls fn with the value now and after every change, until the returned function is called
   * (what preact's JSX types ask of a signal passed as a prop). */
  subscribe(fn: (value: T) => void): () => void {
    return effect(() => fn(this.value))
  }

  _watch(r: Reader): void {
    this._readers.add(r)
  }

  _unwatch(r: Reader): void {
    this._readers.delete(r)
  }
}

/** A signal that can only be read: a computed's, or a model's state that only its actions set. */
export interface ReadonlySignal<T = unknown> {
  readonly value: T
  peek(): T
  subscribe(fn: (value: T) => void): () => void
}

/** A value derived from signals: computed when first read, then again only after a source
 * changed; readers hear of a change only when the result differs. */
class Computed<T> extends Signal<T> implements Reader {
  _fn: () => T
  _sources = new Map<Signal, number>()
  /** A source may have changed since the last run (meaningful while watched). */
  _isStale = true
  /** globalVersion at the last check of the sources. */
  _checked = -1
  _error: unknown
  _hasError = false
  _isRunning = false

  constructor(fn: () => T) {
    super(undefined as T)
    this._fn = fn
  }

  override get value(): T {
    this._refresh()
    track(this)
    return this._result()
  }

  override peek(): T {
    this._refresh()
    return this._result()
  }

  _result(): T {
    if (this._hasError) throw this._error
    return this._value
  }

  _notify(): void {
    this._isStale = true
    this._readers.forEach((r) => r._notify())
  }

  /** Runs fn again if a source changed since the last run (or it never ran). */
  _refresh(): void {
    if (this._isRunning) throw new Error('a computed reads itself')
    if (this._readers.size ? !this._isStale : this._checked === globalVersion) return
    this._isStale = false
    this._checked = globalVersion
    if (this._version && !hasChanged(this)) return
    this._isRunning = true
    const hadError = this._hasError
    let value: T
    try {
      value = runTracked(this, this._fn)
      this._hasError = false
    } catch (e) {
      ;[this._error, this._hasError, value] = [e, true, this._value]
    } finally {
      this._isRunning = false
    }
    if (this._version && !hadError && !this._hasError && Object.is(value, this._value)) return
    this._value = value
    this._version++
  }

  // Watched computeds subscribe to their sources, unwatched ones hold no subscription.
  override _watch(r: Reader): void {
    if (!this._readers.size) {
      // Sources may have changed while nobody watched: check them at the next read.
      this._isStale = true
      this._sources.forEach((_, s) => s._watch(this))
    }
    this._readers.add(r)
  }

  override _unwatch(r: Reader): void {
    if (this._readers.delete(r) && !this._readers.size)
      this._sources.forEach((_, s) => s._unwatch(this))
  }
}

/** Runs fn now and again after a change of what it read (once per write or batch of writes).
 * fn may return a cleanup, called before the next run and on dispose. Returns the dispose. */
class Effect implements Reader {
  _sources = new Map<Signal, number>()
  _fn: (() => unknown) | undefined
  _cleanup: unknown
  _isQueued = false

  constructor(fn: () => unknown) {
    this._fn = fn
  }

  _notify(): void {
    if (this._isQueued) return
    this._isQueued = true
    queue.push(this)
  }

  /** From the queue: runs again only if what it read really changed (a computed may not). */
  _run(): void {
    this._isQueued = false
    if (this._fn && hasChanged(this)) this._execute()
  }

  _execute(): void {
    this._cleanUp()
    this._cleanup = runTracked(this, this._fn!)
  }

  _cleanUp(): void {
    const cleanup = this._cleanup
    this._cleanup = undefined
    if (typeof cleanup === 'function') cleanup()
  }

  _dispose(): void {
    this._fn = undefined
    this._sources.forEach((_, s) => s._unwatch(this))
    this._sources.clear()
    this._cleanUp()
  }
}

/** Records a read of s by the current reader and subscribes it (a watched one). */
function track(s: Signal): void {
  if (!reader || reader._sources.has(s)) return
  reader._sources.set(s, s._version)
  if (isWatching(reader)) s._watch(reader)
}

/** Whether r must hear of changes: effects and components always, computeds while watched. */
function isWatching(r: Reader): boolean {
  return !(r instanceof Computed) || r._readers.size > 0
}

/** Whether a source of r changed since r read it (computed sources are brought up to date). */
function hasChanged(r: Reader): boolean {
  for (const [s, version] of r._sources) {
    if (s instanceof Computed) s._refresh()
    if (s._version !== version) return true
  }
  return false
}

/** Starts recording r's reads afresh; the returned function stops and drops the sources that
 * were not read again. */
function startTracking(r: Reader): () => void {
  const previous = r._sources
  const outer = reader
  r._sources = new Map()
  reader = r
  return () => {
    reader = outer
    if (isWatching(r)) previous.forEach((_, s) => r._sources.has(s) || s._unwatch(r))
  }
}

function runTracked<T>(r: Reader, fn: () => T): T {
  const stop = startTracking(r)
  try {
    return fn()
  } finally {
    stop()
  }
}

/** Runs fn; effects it makes due run after it, when no other batch is open. */
function batch<T>(fn: () => T): T {
  depth++
  try {
    return fn()
  } finally {
    if (--depth === 0) runEffects()
  }
}

/** Runs the queued effects, and those their writes queue; the first error is thrown after all. */
function runEffects(): void {
  let errors: unknown[] = []
  depth++
  try {
    for (let runs = 0, e; (e = queue.shift());) {
      // An effect that keeps changing what it reads would otherwise hang the page.
      if (++runs > 10_000) {
        queue.forEach((q) => (q._isQueued = false))
        queue.length = 0
        errors = [new Error('effects keep changing what they read')]
        break
      }
      try {
        e._run()
      } catch (error) {
        errors.push(error)
      }
    }
  } finally {
    depth--
  }
  if (errors.length) throw errors[0]
}

/** A writable signal holding value. */
export function signal<T>(value: T): Signal<T> {
  return new Signal(value)
}

/** A lazy, cached value derived by fn from other signals. */
export function computed<T>(fn: () => T): ReadonlySignal<T> {
  return new Computed(fn)
}

/** Runs fn now and after every change of what it read; fn may return a cleanup. Returns a
 * function that stops it (and runs the cleanup). */
export function effect(fn: () => unknown): () => void {
  const e = new Effect(fn)
  try {
    batch(() => e._execute())
  } catch (error) {
    e._dispose()
    throw error
  }
  return () => e._dispose()
}

/** A signal created at the component's first render and kept for its life. */
export function useSignal<T>(value: T): Signal<T> {
  return useMemo(() => signal(value), [])
}

/** A computed kept for the component's life; it always calls the latest fn. */
export function useComputed<T>(fn: () => T): ReadonlySignal<T> {
  const latest = useRef(fn)
  latest.current = fn
  return useMemo(() => computed(() => latest.current()), [])
}

// --- Preact ---------------------------------------------------------------------------------

/** A component's reader: a change of what it read while rendering schedules one re-render
 * (Preact merges several into one). */
class Rerender extends Effect {
  constructor(component: Component) {
    super(() => component.setState({}))
  }

  override _execute(): void {
    this._fn!()
  }
}

/** The parts of Preact's vnode these hooks use (the names are Preact's mangled ones). */
type VNode = { type: unknown; props: Record<string, unknown>; __c?: Component | null }

/** Preact's option hooks, private ones included: `__r` before a component renders, `__b` before
 * a vnode is diffed, `__e` when a render throws (src/diff/index.js; dist/preact.mjs). */
type Hooks = Record<'vnode' | '__r' | '__b' | 'diffed' | '__e' | 'unmount', unknown>

const rerenders = new WeakMap<Component, Rerender>()
let stopRender: (() => void) | undefined

/** Stops recording the component render under way, if any: its render function has returned
 * when the next vnode is diffed, or the component's own vnode is done, or it threw. */
function endRender(): void {
  stopRender?.()
  stopRender = undefined
}

/** Runs fn (given the hook's first argument) before the hook Preact or another plugin had
 * installed under name. */
function hook(name: keyof Hooks, fn: (vnode: VNode) => void): void {
  const hooks = options as unknown as Hooks
  const old = hooks[name] as ((...args: unknown[]) => void) | undefined
  hooks[name] = (vnode: VNode, ...rest: unknown[]) => {
    fn(vnode)
    old?.(vnode, ...rest)
  }
}

hook('__r', (vnode) => {
  endRender()
  const component = vnode.__c
  if (!component) return
  let r = rerenders.get(component)
  if (!r) rerenders.set(component, (r = new Rerender(component)))
  stopRender = startTracking(r)
})
hook('__b', endRender)
hook('diffed', endRender)
hook('__e', endRender)
hook('unmount', (vnode) => {
  const component = vnode.__c
  const r = component && rerenders.get(component)
  if (!r) return
  rerenders.delete(component)
  r._dispose()
})

// A DOM element's signal props become their values, read by the component rendering it.
hook('vnode', (vnode) => {
  if (typeof vnode.type !== 'string') return
  const props = vnode.props
  for (const name in props) {
    const value = props[name]
    if (name !== 'children' && value instanceof Signal) props[name] = value.value
  }
})

/** A signal rendered as a child: its own little component, subscribed to it alone. */
function SignalText({ s }: { s: Signal }) {
  return s.value
}

// Preact renders as a vnode any child whose constructor is its vnode marker; `type` and `props`
// make a signal such a vnode of SignalText, and a non-zero `__b` (a depth) has Preact clone it
// rather than write its own fields into the signal (constructNewChildrenArray). A class has a
// `constructor` of its own, so Computed's is replaced too.
const VNODE_MARKER = { value: Symbol.for('pv') }
Object.defineProperties(Signal.prototype, {
  constructor: VNODE_MARKER,
  type: { value: SignalText },
  props: {
    get(this: Signal) {
      return { s: this }
    },
  },
  __b: { value: 1 },
})
Object.defineProperty(Computed.prototype, 'constructor', VNODE_MARKER)
