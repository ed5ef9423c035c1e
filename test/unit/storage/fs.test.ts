import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryFileSystem, nodeFileSystem } from '../../../src/storage/fs.ts';
import { FS_KINDS, tempDir } from './helpers.ts';

for (const kind of FS_KINDS) {
  test(`${kind.name} fs: write, read, truncate, rename, readdir, rm`, (t) => {
    const { fs, dir } = kind.make(t);
    fs.mkdir(join(dir, 'a/b'));
    const fd = fs.open(join(dir, 'a/b/f'), 'write');
    fs.write(fd, Buffer.from('hello world'), 0);
    fs.write(fd, Buffer.from('HELLO'), 0);
    assert.equal(fs.fsize(fd), 11);
    const buf = Buffer.alloc(20);
    assert.equal(fs.read(fd, buf, 0, 20, 6), 5);
    assert.equal(buf.subarray(0, 5).toString(), 'world');
    fs.ftruncate(fd, 5);
    fs.fsync(fd);
    fs.close(fd);
    assert.equal(fs.readFile(join(dir, 'a/b/f')).toString(), 'HELLO');
    fs.rename(join(dir, 'a/b'), join(dir, 'a/c'));
    assert.deepEqual(fs.readdir(join(dir, 'a')), ['c']);
    assert.equal(fs.stat(join(dir, 'a/c/f'))?.size, 5);
    assert.equal(fs.stat(join(dir, 'a/b/f')), undefined);
    assert.equal(fs.stat(join(dir, 'a'))?.isDirectory, true);
    const fd2 = fs.open(join(dir, 'a/c/f'), 'truncate');
    assert.equal(fs.fsize(fd2), 0);
    fs.close(fd2);
    fs.rm(join(dir, 'a'));
    assert.equal(fs.stat(join(dir, 'a')), undefined);
    assert.throws(() => fs.open(join(dir, 'missing'), 'read'), { code: 'ENOENT' });
  });

  test(`${kind.name} fs: a lock is exclusive until released`, (t) => {
    const { fs, dir } = kind.make(t);
    fs.mkdir(dir);
    const a = fs.tryLock(join(dir, '.lock'));
    assert.equal(a.ok, true);
    const b = fs.tryLock(join(dir, '.lock'));
    assert.equal(b.ok, false);
    if (a.ok) a.lock.release();
    const c = fs.tryLock(join(dir, '.lock'));
    assert.equal(c.ok, true);
    if (c.ok) c.lock.release();
  });
}

test('node fs: a lock left by a dead process is taken over', (t) => {
  const dir = tempDir(t);
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const deadPid = Number(child.stdout.toString());
  writeFileSync(join(dir, '.lock'), `${deadPid} 0000\n`);
  const r = nodeFileSystem.tryLock(join(dir, '.lock'));
  assert.equal(r.ok, true);
  if (r.ok) r.lock.release();
  assert.equal(existsSync(join(dir, '.lock')), false);
});

test('memory fs: a crash keeps fsynced bytes and loses the rest', () => {
  const fs = new MemoryFileSystem();
  fs.mkdir('/d');
  const fd = fs.open('/d/f', 'write');
  fs.write(fd, Buffer.from('synced-'), 0);
  fs.fsync(fd);
  fs.write(fd, Buffer.from('lost'), 7);
  const fd2 = fs.open('/d/g', 'write');
  fs.write(fd2, Buffer.from('never synced'), 0);
  fs.crash();
  assert.equal(fs.readFile('/d/f').toString(), 'synced-');
  assert.equal(fs.readFile('/d/g').length, 0);
  assert.throws(() => fs.fsize(fd), { code: 'EBADF' });
});

test('memory fs: a torn write keeps a prefix of the unsynced bytes', () => {
  const fs = new MemoryFileSystem();
  fs.mkdir('/d');
  const fd = fs.open('/d/f', 'write');
  fs.write(fd, Buffer.from('0123'), 0);
  fs.fsync(fd);
  fs.write(fd, Buffer.from('456789'), 4);
  fs.crash((f) => (f.size - f.dirtyFrom) / 2);
  assert.equal(fs.readFile('/d/f').toString(), '0123456');
});

test('memory fs: overwritten synced bytes come back after a crash', () => {
  const fs = new MemoryFileSystem();
  fs.mkdir('/d');
  const fd = fs.open('/d/f', 'write');
  fs.write(fd, Buffer.from('abcdef'), 0);
  fs.fsync(fd);
  fs.write(fd, Buffer.from('XY'), 2);
  fs.ftruncate(fd, 4);
  fs.crash();
  assert.equal(fs.readFile('/d/f').toString(), 'abcdef');
  const fd2 = fs.open('/d/f', 'write');
  fs.write(fd2, Buffer.from('XY'), 2);
  fs.crash((f) => f.size - f.dirtyFrom);
  assert.equal(fs.readFile('/d/f').toString(), 'abXYef');
});

test('memory fs: files of several MB (chunked) read back as the node fs reads the same writes', (t) => {
  // The memory fs keeps a file past 1 MiB in chunks: writes, sparse writes past the end,
  // shrinks and re-growths that cross chunk boundaries must read back exactly as a real file.
  const disk = FS_KINDS[0]!.make(t);
  const mem = new MemoryFileSystem();
  mem.mkdir('/d');
  const fds = [disk.fs.open(join(disk.dir, 'f'), 'write'), mem.open('/d/f', 'write')] as const;
  const both = [[disk.fs, fds[0]], [mem, fds[1]]] as const;
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const MiB = 1 << 20;
  for (let step = 0; step < 300; step++) {
    const near = random(5) * MiB + random(2 * 4096) - 4096; // around a chunk boundary
    const position = Math.max(0, near);
    const op = random(10);
    if (op < 6) {
      const data = Buffer.alloc(1 + random(op === 0 ? 3 * MiB : 9000), step % 251);
      for (const [fs, fd] of both) fs.write(fd, data, position);
    } else if (op < 8) {
      for (const [fs, fd] of both) fs.ftruncate(fd, position);
    } else {
      const length = 1 + random(2 * MiB);
      const [a, b] = both.map(([fs, fd]) => {
        const buf = Buffer.alloc(length, 0xee);
        return buf.subarray(0, fs.read(fd, buf, 0, length, position));
      });
      assert.ok(a!.equals(b!), `read of ${length} at ${position}, step ${step}`);
    }
    assert.equal(mem.fsize(fds[1]), disk.fs.fsize(fds[0]), `size after step ${step}`);
  }
  for (const [fs, fd] of both) fs.close(fd);
  assert.ok(mem.readFile('/d/f').equals(disk.fs.readFile(join(disk.dir, 'f'))));
});

test('memory fs: a crash across chunks keeps the fsynced bytes of a multi-MB file', () => {
  const fs = new MemoryFileSystem();
  fs.mkdir('/d');
  const fd = fs.open('/d/f', 'write');
  const synced = Buffer.alloc(3 * (1 << 20) + 5);
  for (let i = 0; i < synced.length; i++) synced[i] = (i * 31) % 256;
  fs.write(fd, synced, 0);
  fs.fsync(fd);
  fs.write(fd, Buffer.alloc(200_000, 0xff), (1 << 20) - 100_000); // over the first boundary
  fs.write(fd, Buffer.alloc(10, 0xff), synced.length + 1000);
  fs.crash();
  assert.ok(fs.readFile('/d/f').equals(synced));
  const again = fs.open('/d/f', 'write');
  fs.ftruncate(again, 2 << 20);
  fs.fsync(again);
  fs.write(again, Buffer.alloc(3, 0xaa), (2 << 20) - 1);
  fs.crash((f) => f.size - f.dirtyFrom);
  const after = fs.readFile('/d/f');
  assert.equal(after.length, (2 << 20) + 2);
  assert.ok(after.subarray(0, (2 << 20) - 1).equals(synced.subarray(0, (2 << 20) - 1)));
  assert.ok(after.subarray((2 << 20) - 1).equals(Buffer.alloc(3, 0xaa)));
});

test('memory fs: crashing releases locks', () => {
  const fs = new MemoryFileSystem();
  fs.mkdir('/d');
  assert.equal(fs.tryLock('/d/.lock').ok, true);
  fs.crash();
  assert.equal(fs.tryLock('/d/.lock').ok, true);
});
