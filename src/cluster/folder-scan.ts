/**
 * The manifest files under a folder, each with a change signature. Polling these signatures is
 * how the file-backed state notices edits: it works the same on every filesystem and inside
 * containers (fs.watch does not see ConfigMap volume swaps or most network mounts).
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { isManifestFile } from './manifests.js'

/** Symlinked folders could loop; real manifest trees are shallow. */
const MAX_DEPTH = 8

/**
 * `path -> signature` for every manifest file, depth first with names sorted (the order later
 * definitions win in). Hidden entries (`.git`, editor
 * swap files, a ConfigMap volume's `..data`) are skipped; symlinks are followed. Throws only
 * when the folder itself cannot be read.
 */
export async function scanFolder(dir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  await walk(dir, 0, found, true)
  return found
}

async function walk(dir: string, depth: number, found: Map<string, string>, top: boolean) {
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch (err) {
    if (top) throw err
    return // a subfolder removed or unreadable mid-scan: its files are simply gone
  }
  for (const name of entries.sort()) {
    if (name.startsWith('.')) continue
    const path = join(dir, name)
    const st = await stat(path).catch(() => undefined)
    if (st?.isDirectory()) {
      if (depth < MAX_DEPTH) await walk(path, depth + 1, found, false)
    } else if (st?.isFile() && isManifestFile(name)) {
      // ino catches an atomic replace (write tmp + rename) that keeps size and mtime.
      found.set(path, `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`)
    }
  }
}
