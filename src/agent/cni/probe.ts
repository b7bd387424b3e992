import { stat } from 'node:fs/promises'
import { execPlugin } from './exec.js'
import { CniPluginError, FAILURE_CODES } from './plugin-error.js'
import { CURRENT_VERSION, parseVersion } from './version.js'

interface Entry {
  readonly mtimeMs: number
  readonly size: number
  readonly versions: readonly string[]
}

export interface ProbeOptions {
  readonly timeoutMs: number
  readonly signal?: AbortSignal
  readonly envPath: string
}

/**
 * The versions each plugin binary reports to VERSION, cached by path and invalidated when the
 * binary changes (mtime or size), so a node upgrade of the plugins is seen without a restart.
 */
export class VersionCache {
  private readonly entries = new Map<string, Entry>()

  async versionsOf(
    pluginType: string,
    path: string,
    opts: ProbeOptions,
  ): Promise<readonly string[]> {
    const st = await stat(path)
    const hit = this.entries.get(path)
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.versions
    const out = await execPlugin({
      pluginType,
      path,
      command: 'VERSION',
      cniEnv: {},
      stdin: { cniVersion: CURRENT_VERSION },
      timeoutMs: opts.timeoutMs,
      envPath: opts.envPath,
      ...(opts.signal ? { signal: opts.signal } : {}),
    })
    const versions = readVersions(out)
    if (!versions) {
      throw new CniPluginError({
        pluginType,
        command: 'VERSION',
        code: FAILURE_CODES.output,
        msg: 'answered VERSION without a list of supportedVersions',
        details: JSON.stringify(out) ?? '',
        failure: 'output',
      })
    }
    this.entries.set(path, { mtimeMs: st.mtimeMs, size: st.size, versions })
    return versions
  }
}

function readVersions(out: unknown): string[] | undefined {
  if (typeof out !== 'object' || out === null) return undefined
  const o = out as Record<string, unknown>
  // Plugins from before 0.3.0 answer only {cniVersion}; they speak 0.1.0 and 0.2.0.
  if (o.supportedVersions === undefined && typeof o.cniVersion === 'string') {
    return ['0.1.0', '0.2.0']
  }
  const list = o.supportedVersions
  if (!Array.isArray(list)) return undefined
  return list.filter((v): v is string => typeof v === 'string' && parseVersion(v) !== undefined)
}
