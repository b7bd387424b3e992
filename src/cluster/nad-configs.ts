/**
 * NADs with their whole `spec.config`, for the agent. The webhook's cache keeps only what
 * admission decides on (no config), so the agent asks the API directly when it plans an ADD:
 * one GET per selected network per pod sandbox, bounded by a timeout. On-disk configs for NADs
 * without `spec.config` are looked up by CNI `name` in --net-conf-dir.
 */
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { NadObject } from '../agent/resolve.js'
import { field, isObject, metadataOf } from '../spec/object.js'
import { isDns1123Label } from '../spec/names.js'
import { NAD_API } from './kube-resources.js'
import { abortable, describeError, httpStatusOf } from './list-watch.js'

export function nadObjectOf(obj: unknown): NadObject | undefined {
  const m = metadataOf(obj)
  if (m.name === '') return undefined
  const config = field(field(obj, 'spec'), 'config')
  return {
    namespace: m.namespace || 'default',
    name: m.name,
    annotations: m.annotations,
    config: typeof config === 'string' ? config : '',
  }
}

export function nadGetter(
  kc: KubeConfig,
  timeoutMs: number,
): (namespace: string, name: string) => Promise<NadObject | undefined> {
  const custom = kc.makeApiClient(CustomObjectsApi)
  return async (namespace, name) => {
    if (!isDns1123Label(namespace) || !isDns1123Label(name)) return undefined
    try {
      const obj: unknown = await custom.getNamespacedCustomObject(
        { ...NAD_API, namespace, name },
        abortable(AbortSignal.timeout(timeoutMs)),
      )
      return nadObjectOf(obj)
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined
      throw new Error(`NAD ${namespace}/${name}: ${describeError(err)}`, { cause: err })
    }
  }
}

/**
 * The first config (by file name) in `dir` whose CNI `name` is `name`: *.conf, *.conflist and
 * *.json, as Multus reads its confDir. Unreadable files are skipped, not fatal.
 */
export async function onDiskConfig(
  dir: string,
  name: string,
): Promise<Record<string, unknown> | undefined> {
  const files = await readdir(dir).catch(() => [] as string[])
  for (const file of files.filter((f) => /\.(conf|conflist|json)$/.test(f)).sort()) {
    try {
      const value: unknown = JSON.parse(await readFile(join(dir, file), 'utf8'))
      if (isObject(value) && value.name === name) return value
    } catch {
      continue
    }
  }
  return undefined
}
