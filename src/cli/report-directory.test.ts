import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../common/errors.js';
import { prepareReportDirectory } from './report-directory.js';

describe('prepareReportDirectory', () => {
  let base: string;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'report-directory-'));
  });

  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('creates every missing level, says which, and leaves no probe file behind', async () => {
    const dir = await prepareReportDirectory(join(base, 'a', 'b', 'c'));
    expect(dir.path).toBe(join(base, 'a', 'b', 'c'));
    expect(dir.created).toEqual([join(base, 'a'), join(base, 'a', 'b'), join(base, 'a', 'b', 'c')]);
    expect((await stat(dir.path)).isDirectory()).toBe(true);
    expect(await readdir(dir.path)).toEqual([]);
  });

  it('takes an existing empty directory as it is, and discard() never removes what it did not create', async () => {
    const dir = await prepareReportDirectory(base);
    expect(dir.created).toEqual([]);
    await dir.discard();
    expect(await stat(base).then((s) => s.isDirectory())).toBe(true);
  });

  it('refuses a directory that already holds something (reports of two runs must not mix), and an empty value', async () => {
    await writeFile(join(base, 'report.json'), '{}');
    await expect(prepareReportDirectory(base)).rejects.toThrow(/is not empty: give a new or empty directory/);
    expect(await readdir(base)).toEqual(['report.json']);
    await expect(prepareReportDirectory('')).rejects.toThrow('--report-dir "": is empty: name the directory the reports go to');
    await expect(prepareReportDirectory('  ')).rejects.toThrow(/is empty/);
    await expect(prepareReportDirectory(join(base, 'a\nb'))).rejects.toThrow(/line break/);
  });

  it('discard() removes the levels it created while they are empty, innermost first', async () => {
    const dir = await prepareReportDirectory(join(base, 'x', 'y'));
    await dir.discard();
    expect(await readdir(base)).toEqual([]);
    const kept = await prepareReportDirectory(join(base, 'p', 'q'));
    await writeFile(join(base, 'p', 'q', 'report.json'), '{}');
    await kept.discard();
    expect(await readdir(join(base, 'p', 'q'))).toEqual(['report.json']);
  });

  it('resolves a relative path against the working directory', async () => {
    const dir = await prepareReportDirectory(join(base, 'rel', '..', 'abs'));
    expect(dir.path).toBe(join(base, 'abs'));
  });

  it.each([
    ['/proc/warren-report-test', 'cannot create /proc/warren-report-test (ENOENT)'],
    ['/etc/hostname', '/etc/hostname exists and is not a directory'],
    ['/etc/hostname/x/y', '/etc/hostname exists and is not a directory'],
  ])('refuses %s in one line, with what is wrong', async (path, what) => {
    const error = await prepareReportDirectory(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(`--report-dir ${JSON.stringify(path)}: ${what}`);
  });
});
