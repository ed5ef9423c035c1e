// The file-system seam of the storage layer: the few synchronous calls the log needs, with a
// node:fs implementation and an in-memory one (kfake's memFS). The memory fs serves
// `dataDir: 'memory'` and crash tests: it remembers what was fsynced and can simulate a
// crash that loses, or tears, everything written after the last fsync.
//
// Synchronous on purpose: appending to the page cache costs less than a thread-pool hop
// (DESIGN.md). Paths are absolute, joined with node:path.

import * as nodeFs from 'node:fs';
import { dirname, basename, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ChunkedBytes } from './chunked-bytes.ts';

/** 'read': existing file, read only. 'write': read/write, created if missing, kept as is. 'truncate': read/write, created or emptied. */
export type OpenMode = 'read' | 'write' | 'truncate';

export interface FileStat {
  size: number;
  isDirectory: boolean;
}

export interface FileLock {
  release(): void;
}

export type LockResult = { ok: true; lock: FileLock } | { ok: false; holder: string };

export interface FileSystem {
  open(path: string, mode: OpenMode): number;
  /** Reads up to `length` bytes at `position` into `buffer[offset..]`; returns the count (short at end of file). */
  read(fd: number, buffer: Buffer, offset: number, length: number, position: number): number;
  /** Writes all of `data` at `position`. */
  write(fd: number, data: Uint8Array, position: number): void;
  fsync(fd: number): void;
  /**
   * Writes a file's dirty pages to disk off the event loop (through its own handle, so the
   * caller's may close meanwhile); a later fsync then has little left to do. Never rejects:
   * it only makes that fsync cheaper, the fsync is what counts. Optional: a file system
   * without it gets the fsync alone.
   */
  flushInBackground?(path: string): Promise<void>;
  ftruncate(fd: number, length: number): void;
  fsize(fd: number): number;
  close(fd: number): void;
  /** Makes renames and new files in `dir` durable. */
  fsyncDir(dir: string): void;
  stat(path: string): FileStat | undefined;
  readFile(path: string): Buffer;
  readdir(dir: string): string[];
  mkdir(dir: string): void; // recursive, no error if it exists
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** Removes a file or a directory tree; no error if missing. */
  rm(path: string): void;
  /**
   * Removes a file or a directory tree off the event loop: unlinking a GB of segment costs
   * ~40 ms of kernel time. Never rejects; what a failure leaves behind carries a name the
   * next start's sweep removes (`.deleted`, `-delete`). Optional: a file system without it
   * gets rm().
   */
  removeInBackground?(path: string): Promise<void>;
  /** An exclusive lock named by `path`, held until released or the process dies. */
  tryLock(path: string): LockResult;
}

/**
 * A directory whose new entries are not durable yet, fsynced once for all of them: the
 * first of 10,000 new partitions to flush makes every one's name in the data directory
 * durable.
 */
export class PendingDirSync {
  readonly #fs: FileSystem;
  readonly #dir: string;
  #dirty = false;

  constructor(fs: FileSystem, dir: string) {
    this.#fs = fs;
    this.#dir = dir;
  }

  /** An entry was added (or renamed) and is not durable yet. */
  markDirty(): void {
    this.#dirty = true;
  }

  /** Fsyncs the directory if an entry is pending. */
  sync(): void {
    if (!this.#dirty) return;
    this.#fs.fsyncDir(this.#dir);
    this.#dirty = false;
  }
}

/**
 * Removes `paths` (names the start-up sweep also removes) off the event loop where `fs` can,
 * one after another: starting the removal of a 1,000-partition topic's directories all at
 * once held the event loop for 15 ms.
 */
export function removeSoon(fs: FileSystem, paths: string | readonly string[]): void {
  const list = typeof paths === 'string' ? [paths] : paths;
  const removeInBackground = fs.removeInBackground?.bind(fs);
  if (removeInBackground === undefined) {
    for (const path of list) fs.rm(path);
    return;
  }
  void (async () => {
    for (const path of list) await removeInBackground(path);
  })();
}

// ---------------------------------------------------------------------------------------
// node:fs

const { O_RDONLY, O_RDWR, O_CREAT, O_TRUNC, O_WRONLY, O_EXCL } = nodeFs.constants;
const FLAGS: Record<OpenMode, number> = {
  read: O_RDONLY,
  write: O_RDWR | O_CREAT,
  truncate: O_RDWR | O_CREAT | O_TRUNC,
};

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Whether process `pid` exists (EPERM: it exists but belongs to someone else). */
function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

export class NodeFileSystem implements FileSystem {
  open(path: string, mode: OpenMode): number {
    return nodeFs.openSync(path, FLAGS[mode], 0o644);
  }

  read(fd: number, buffer: Buffer, offset: number, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const n = nodeFs.readSync(fd, buffer, offset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  write(fd: number, data: Uint8Array, position: number): void {
    let done = 0;
    while (done < data.length) {
      done += nodeFs.writeSync(fd, data, done, data.length - done, position + done);
    }
  }

  fsync(fd: number): void {
    nodeFs.fsyncSync(fd);
  }

  async flushInBackground(path: string): Promise<void> {
    try {
      const handle = await nodeFs.promises.open(path, 'r');
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
    } catch {
      // Deleted meanwhile, or the disk refused: the fsync that follows will tell.
    }
  }

  ftruncate(fd: number, length: number): void {
    nodeFs.ftruncateSync(fd, length);
  }

  fsize(fd: number): number {
    return nodeFs.fstatSync(fd).size;
  }

  close(fd: number): void {
    nodeFs.closeSync(fd);
  }

  fsyncDir(dir: string): void {
    let fd: number | undefined;
    try {
      fd = nodeFs.openSync(dir, O_RDONLY);
      nodeFs.fsyncSync(fd);
    } catch (err) {
      // Some platforms refuse fsync on a directory; the rename is still atomic there.
      const code = errnoCode(err);
      if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw err;
    } finally {
      if (fd !== undefined) nodeFs.closeSync(fd);
    }
  }

  stat(path: string): FileStat | undefined {
    const s = nodeFs.statSync(path, { throwIfNoEntry: false });
    return s ? { size: s.size, isDirectory: s.isDirectory() } : undefined;
  }

  readFile(path: string): Buffer {
    return nodeFs.readFileSync(path);
  }

  readdir(dir: string): string[] {
    return nodeFs.readdirSync(dir);
  }

  mkdir(dir: string): void {
    nodeFs.mkdirSync(dir, { recursive: true });
  }

  rename(from: string, to: string): void {
    nodeFs.renameSync(from, to);
  }

  unlink(path: string): void {
    nodeFs.unlinkSync(path);
  }

  rm(path: string): void {
    nodeFs.rmSync(path, { recursive: true, force: true });
  }

  async removeInBackground(path: string): Promise<void> {
    try {
      await nodeFs.promises.rm(path, { recursive: true, force: true });
    } catch {
      // Left for the next start's sweep (see the interface).
    }
  }

  /**
   * A pid file created with O_EXCL. Node has no flock(), so a lock left by a dead process
   * is recognised by its pid and taken over. Known gap: if the dead broker's pid has been
   * reused by a live process, the lock is refused until the file is removed by hand.
   */
  tryLock(path: string): LockResult {
    const token = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = nodeFs.openSync(path, O_WRONLY | O_CREAT | O_EXCL, 0o644);
        try {
          nodeFs.writeSync(fd, token);
          nodeFs.fsyncSync(fd);
        } finally {
          nodeFs.closeSync(fd);
        }
        const lock: FileLock = {
          release: () => {
            try {
              if (nodeFs.readFileSync(path, 'utf8') === token) nodeFs.unlinkSync(path);
            } catch (err) {
              if (errnoCode(err) !== 'ENOENT') throw err;
            }
          },
        };
        return { ok: true, lock };
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
      }
      let content: string;
      try {
        content = nodeFs.readFileSync(path, 'utf8');
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue;
        throw err;
      }
      const pid = Number.parseInt(content, 10);
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) return { ok: false, holder: `pid ${pid}` };
      // Stale: its owner is gone (or it was never completely written). Take it over.
      try {
        nodeFs.unlinkSync(path);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
    }
    return { ok: false, holder: 'another process (lock file keeps reappearing)' };
  }
}

export const nodeFileSystem: FileSystem = new NodeFileSystem();

// ---------------------------------------------------------------------------------------
// Memory

function fsError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${path}'`);
  err.code = code;
  err.syscall = syscall;
  err.path = path;
  return err;
}

class MemFile {
  data = new ChunkedBytes();
  /** What survives a crash: the contents as of the last fsync. */
  durable = new ChunkedBytes();
  /** Lowest position changed since the last fsync (size when clean). */
  dirtyFrom = 0;
}

/**
 * Decides how many of a file's unsynced bytes survive a crash, counted from `dirtyFrom`
 * (the lowest position written since the last fsync): 0 loses them all, a part models a
 * torn write, `size - dirtyFrom` keeps everything.
 */
export type CrashPolicy = (file: { path: string; durableSize: number; size: number; dirtyFrom: number }) => number;

export interface MemoryFileSystemOptions {
  /** Keep a durable copy of every file for crash(). Off for `dataDir: 'memory'`, where no crash is simulated. */
  trackDurability?: boolean;
}

interface OpenFile {
  file: MemFile;
  path: string;
  writable: boolean;
}

export class MemoryFileSystem implements FileSystem {
  readonly trackDurability: boolean;
  #files = new Map<string, MemFile>();
  #dirs = new Map<string, Set<string>>();
  #fds = new Map<number, OpenFile>();
  #nextFd = 3;
  #locks = new Set<string>();

  constructor(options: MemoryFileSystemOptions = {}) {
    this.trackDurability = options.trackDurability ?? true;
    this.#dirs.set('/', new Set());
  }

  #parent(path: string): Set<string> {
    const dir = this.#dirs.get(dirname(path));
    if (!dir) throw fsError('ENOENT', 'open', path);
    return dir;
  }

  #fd(fd: number): OpenFile {
    const f = this.#fds.get(fd);
    if (!f) throw fsError('EBADF', 'fd', String(fd));
    return f;
  }

  open(p: string, mode: OpenMode): number {
    const path = resolve(p);
    let file = this.#files.get(path);
    if (!file) {
      if (mode === 'read') throw fsError(this.#dirs.has(path) ? 'EISDIR' : 'ENOENT', 'open', path);
      const parent = this.#parent(path);
      file = new MemFile();
      this.#files.set(path, file);
      parent.add(basename(path));
    } else if (mode === 'truncate') {
      this.#truncate(file, 0);
    }
    const fd = this.#nextFd++;
    this.#fds.set(fd, { file, path, writable: mode !== 'read' });
    return fd;
  }

  read(fd: number, buffer: Buffer, offset: number, length: number, position: number): number {
    return this.#fd(fd).file.data.read(buffer, offset, length, position);
  }

  write(fd: number, data: Uint8Array, position: number): void {
    const f = this.#fd(fd);
    if (!f.writable) throw fsError('EBADF', 'write', f.path);
    const file = f.file;
    file.data.write(data, position);
    if (position < file.dirtyFrom) file.dirtyFrom = position;
  }

  fsync(fd: number): void {
    const file = this.#fd(fd).file;
    if (!this.trackDurability) return;
    const size = file.data.size;
    file.durable.truncate(Math.min(file.durable.size, size));
    file.durable.copyFrom(file.data, Math.min(file.dirtyFrom, size), size);
    file.durable.truncate(size);
    file.dirtyFrom = size;
  }

  #truncate(file: MemFile, length: number): void {
    file.data.truncate(length);
    if (length < file.dirtyFrom) file.dirtyFrom = length;
  }

  ftruncate(fd: number, length: number): void {
    const f = this.#fd(fd);
    if (!f.writable) throw fsError('EBADF', 'ftruncate', f.path);
    this.#truncate(f.file, length);
  }

  fsize(fd: number): number {
    return this.#fd(fd).file.data.size;
  }

  close(fd: number): void {
    this.#fd(fd);
    this.#fds.delete(fd);
  }

  fsyncDir(dir: string): void {
    if (!this.#dirs.has(resolve(dir))) throw fsError('ENOENT', 'fsync', dir);
  }

  stat(p: string): FileStat | undefined {
    const path = resolve(p);
    const file = this.#files.get(path);
    if (file) return { size: file.data.size, isDirectory: false };
    if (this.#dirs.has(path)) return { size: 0, isDirectory: true };
    return undefined;
  }

  readFile(p: string): Buffer {
    const path = resolve(p);
    const file = this.#files.get(path);
    if (!file) throw fsError(this.#dirs.has(path) ? 'EISDIR' : 'ENOENT', 'open', path);
    return file.data.toBuffer();
  }

  readdir(p: string): string[] {
    const dir = this.#dirs.get(resolve(p));
    if (!dir) throw fsError('ENOENT', 'scandir', p);
    return [...dir].sort();
  }

  mkdir(p: string): void {
    const path = resolve(p);
    if (this.#dirs.has(path)) return;
    if (this.#files.has(path)) throw fsError('EEXIST', 'mkdir', path);
    this.mkdir(dirname(path));
    this.#dirs.set(path, new Set());
    this.#dirs.get(dirname(path))!.add(basename(path));
  }

  rename(f: string, t: string): void {
    const from = resolve(f);
    const to = resolve(t);
    if (from === to) return;
    const toParent = this.#parent(to);
    const file = this.#files.get(from);
    if (file) {
      if (this.#dirs.has(to)) throw fsError('EISDIR', 'rename', to);
      this.#files.set(to, file);
      this.#files.delete(from);
      this.#dirs.get(dirname(from))!.delete(basename(from));
      toParent.add(basename(to));
      return;
    }
    if (!this.#dirs.has(from)) throw fsError('ENOENT', 'rename', from);
    if (this.#files.has(to)) throw fsError('ENOTDIR', 'rename', to);
    const existing = this.#dirs.get(to);
    if (existing && existing.size > 0) throw fsError('ENOTEMPTY', 'rename', to);
    if (to.startsWith(from + '/')) throw fsError('EINVAL', 'rename', to);
    const prefix = from + '/';
    for (const [k, v] of [...this.#files]) {
      if (k.startsWith(prefix)) {
        this.#files.delete(k);
        this.#files.set(to + k.slice(from.length), v);
      }
    }
    for (const [k, v] of [...this.#dirs]) {
      if (k === from || k.startsWith(prefix)) {
        this.#dirs.delete(k);
        this.#dirs.set(to + k.slice(from.length), v);
      }
    }
    this.#dirs.get(dirname(from))!.delete(basename(from));
    toParent.add(basename(to));
  }

  unlink(p: string): void {
    const path = resolve(p);
    if (!this.#files.delete(path)) throw fsError(this.#dirs.has(path) ? 'EISDIR' : 'ENOENT', 'unlink', path);
    this.#dirs.get(dirname(path))!.delete(basename(path));
  }

  rm(p: string): void {
    const path = resolve(p);
    if (this.#files.has(path)) return this.unlink(path);
    if (!this.#dirs.has(path) || path === '/') return;
    const prefix = path + '/';
    for (const k of [...this.#files.keys()]) if (k.startsWith(prefix)) this.#files.delete(k);
    for (const k of [...this.#dirs.keys()]) if (k.startsWith(prefix)) this.#dirs.delete(k);
    this.#dirs.delete(path);
    this.#dirs.get(dirname(path))!.delete(basename(path));
  }

  tryLock(p: string): LockResult {
    const path = resolve(p);
    if (this.#locks.has(path)) return { ok: false, holder: 'another owner in this process' };
    this.#locks.add(path);
    let held = true;
    return {
      ok: true,
      lock: {
        release: () => {
          if (held) this.#locks.delete(path);
          held = false;
        },
      },
    };
  }

  /**
   * Simulates the death of the process and the machine: every open file and lock is gone,
   * and each file keeps its fsynced contents plus whatever `policy` lets through of the
   * unsynced bytes (default none). Directory operations (create, rename, unlink) count as
   * durable at once; the storage code fsyncs directories anyway.
   */
  crash(policy: CrashPolicy = () => 0): void {
    if (!this.trackDurability) throw new Error('crash() needs a MemoryFileSystem with trackDurability');
    this.#fds.clear();
    this.#locks.clear();
    for (const [path, file] of this.#files) {
      const { data, durable, dirtyFrom } = file;
      const unsynced = Math.max(0, data.size - dirtyFrom);
      const keep = Math.max(0, Math.min(unsynced, Math.floor(policy({ path, durableSize: durable.size, size: data.size, dirtyFrom }))));
      let size = durable.size;
      if (keep > 0) size = keep === unsynced ? data.size : Math.max(durable.size, dirtyFrom + keep);
      const survived = new ChunkedBytes();
      survived.copyFrom(durable, 0, Math.min(durable.size, size));
      if (keep > 0) survived.copyFrom(data, dirtyFrom, dirtyFrom + keep);
      survived.truncate(size);
      file.data = survived;
      file.durable = new ChunkedBytes();
      file.durable.copyFrom(survived, 0, size);
      file.dirtyFrom = size;
    }
  }

  /** Overwrites bytes of a file directly (corruption tests). */
  poke(path: string, position: number, bytes: Uint8Array): void {
    const fd = this.open(path, 'write');
    try {
      this.write(fd, bytes, position);
      this.fsync(fd);
    } finally {
      this.close(fd);
    }
  }
}
