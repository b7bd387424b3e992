import { buildOneConfig } from './build-config.js'
import { CNI_NAME, configVersions } from './config.js'
import { DEFAULT_PATH, execPlugin, findPlugin } from './exec.js'
import { CniPluginError, FAILURE_CODES, joinErrors } from './plugin-error.js'
import { VersionCache } from './probe.js'
import { toCurrentResult } from './result.js'
import type {
  CniClient,
  CniResult,
  ExecOptions,
  NetworkConfigList,
  PluginConf,
  RuntimeConf,
  ValidAttachment,
} from './types.js'
import { versionAtLeast } from './version.js'

export interface CniClientOptions {
  /** PATH handed to plugins (they run `ip`, `iptables`, ...); default the agent's own or DEFAULT_PATH. */
  readonly path?: string
}

/** The client plus what the agent needs around it (answers in the runtime's version). */
export interface CniClientExt extends CniClient {
  /** The version an operation on this list will use with the installed plugins. */
  negotiateVersion(list: NetworkConfigList, opts: ExecOptions): Promise<string>
}

interface Resolved {
  readonly plugin: PluginConf
  readonly path: string
}

/** Interface names the kernel and the spec accept: 1–15 chars, no `/`, `:` or whitespace. */
function validIfName(name: string): boolean {
  return (
    name.length > 0 && name.length <= 15 && !/[/:\s]/.test(name) && name !== '.' && name !== '..'
  )
}

function invalid(list: NetworkConfigList, command: string, msg: string): CniPluginError {
  return new CniPluginError({
    pluginType: list.plugins[0]!.type,
    command,
    code: FAILURE_CODES.invalid,
    msg: `network "${list.name}": ${msg}`,
    failure: 'invalid',
  })
}

function checkRuntime(list: NetworkConfigList, command: string, rt: RuntimeConf): void {
  if (!CNI_NAME.test(rt.containerId)) {
    throw invalid(list, command, `invalid container ID ${JSON.stringify(rt.containerId)}`)
  }
  if (!validIfName(rt.ifName)) {
    throw invalid(list, command, `invalid interface name ${JSON.stringify(rt.ifName)}`)
  }
  if (command !== 'DEL' && rt.netns === '') throw invalid(list, command, 'netns is required')
  for (const [k, v] of rt.args) {
    if (k === '' || /[=;]/.test(k) || v.includes(';')) {
      throw invalid(list, command, `invalid CNI_ARGS pair ${JSON.stringify(`${k}=${v}`)}`)
    }
  }
}

function runtimeEnv(rt: RuntimeConf, binDirs: readonly string[]): Record<string, string> {
  return {
    CNI_CONTAINERID: rt.containerId,
    CNI_NETNS: rt.netns,
    CNI_IFNAME: rt.ifName,
    CNI_ARGS: rt.args.map(([k, v]) => `${k}=${v}`).join(';'),
    CNI_PATH: binDirs.join(':'),
  }
}

/**
 * Our libcni: runs the plugins of a NetworkConfigList on ADD/CHECK/DEL/STATUS/GC. Stateless
 * apart from the VERSION cache: the caller persists ADD's result and passes it back.
 */
export function createCniClient(options: CniClientOptions = {}): CniClientExt {
  const envPath = options.path ?? process.env.PATH ?? DEFAULT_PATH
  const versions = new VersionCache()

  async function resolve(list: NetworkConfigList, command: string, opts: ExecOptions) {
    const out: Resolved[] = []
    for (const plugin of list.plugins) {
      out.push({ plugin, path: await findPlugin(plugin.type, command, opts.binDirs) })
    }
    return out
  }

  /**
   * The highest version of the config that every plugin supports. Plugins are asked (VERSION,
   * cached) only when there is a choice to make or the version is 1.1.0, whose STATUS/GC older
   * plugins would misread; with one pre-1.1.0 version the plugin checks it itself.
   */
  async function negotiate(
    list: NetworkConfigList,
    plugins: readonly Resolved[],
    command: string,
    opts: ExecOptions,
  ): Promise<string> {
    const candidates = configVersions(list)
    if (candidates.length === 1 && !versionAtLeast(candidates[0]!, '1.1.0')) return candidates[0]!
    const supported: Array<readonly string[]> = []
    for (const r of plugins) {
      supported.push(
        await versions.versionsOf(r.plugin.type, r.path, {
          timeoutMs: opts.timeoutMs,
          envPath,
          ...(opts.signal ? { signal: opts.signal } : {}),
        }),
      )
    }
    const chosen = candidates.find((v) => supported.every((s) => s.includes(v)))
    if (chosen !== undefined) return chosen
    const i = supported.findIndex((s) => !s.includes(candidates[0]!))
    const r = plugins[i]!
    throw new CniPluginError({
      pluginType: r.plugin.type,
      command,
      code: FAILURE_CODES.version,
      msg:
        `network "${list.name}" asks for CNI ${candidates.join(' or ')}, but plugin ` +
        `"${r.plugin.type}" supports only ${supported[i]!.join(', ')}`,
      details: r.path,
      failure: 'version',
    })
  }

  function run(
    r: Resolved,
    command: string,
    stdin: Record<string, unknown>,
    cniEnv: Record<string, string>,
    opts: ExecOptions,
  ): Promise<unknown> {
    return execPlugin({
      pluginType: r.plugin.type,
      path: r.path,
      command,
      cniEnv,
      stdin,
      timeoutMs: opts.timeoutMs,
      envPath,
      ...(opts.signal ? { signal: opts.signal } : {}),
    })
  }

  async function prepare(list: NetworkConfigList, command: string, opts: ExecOptions) {
    const plugins = await resolve(list, command, opts)
    return { plugins, version: await negotiate(list, plugins, command, opts) }
  }

  return {
    negotiateVersion: async (list, opts) => (await prepare(list, 'VERSION', opts)).version,

    async addNetworkList(list, rt, opts) {
      checkRuntime(list, 'ADD', rt)
      const { plugins, version } = await prepare(list, 'ADD', opts)
      const env = runtimeEnv(rt, opts.binDirs)
      let prev: CniResult | undefined
      for (const r of plugins) {
        const stdin = buildOneConfig(list, r.plugin, {
          version,
          rt,
          ...(prev ? { prevResult: prev } : {}),
        })
        const out = await run(r, 'ADD', stdin, env, opts)
        try {
          prev = toCurrentResult(out, version)
        } catch (err) {
          throw new CniPluginError({
            pluginType: r.plugin.type,
            command: 'ADD',
            code: FAILURE_CODES.output,
            msg: `unreadable ADD result: ${(err as Error).message}`,
            details: JSON.stringify(out) ?? '',
            failure: 'output',
          })
        }
      }
      return prev!
    },

    async checkNetworkList(list, rt, prevResult, opts) {
      checkRuntime(list, 'CHECK', rt)
      if (list.disableCheck) return
      const { plugins, version } = await prepare(list, 'CHECK', opts)
      if (!versionAtLeast(version, '0.4.0')) return
      const env = runtimeEnv(rt, opts.binDirs)
      for (const r of plugins) {
        await run(
          r,
          'CHECK',
          buildOneConfig(list, r.plugin, { version, rt, prevResult }),
          env,
          opts,
        )
      }
    },

    async delNetworkList(list, rt, prevResult, opts) {
      checkRuntime(list, 'DEL', rt)
      // Every plugin that can run gets its DEL, even when another is missing or failed: a
      // leaked IP is worse than a repeated error, and the runtime retries DEL until it succeeds.
      const errors: CniPluginError[] = []
      const plugins: Resolved[] = []
      for (const plugin of list.plugins) {
        try {
          plugins.push({ plugin, path: await findPlugin(plugin.type, 'DEL', opts.binDirs) })
        } catch (err) {
          errors.push(err as CniPluginError)
        }
      }
      let version = configVersions(list)[0]!
      try {
        version = await negotiate(list, plugins, 'DEL', opts)
      } catch (err) {
        // No common version now (plugins upgraded since ADD?): try the config's own.
        errors.push(err as CniPluginError)
      }
      const withPrev = prevResult !== undefined && versionAtLeast(version, '0.4.0')
      const env = runtimeEnv(rt, opts.binDirs)
      for (const r of [...plugins].reverse()) {
        const stdin = buildOneConfig(list, r.plugin, {
          version,
          rt,
          ...(withPrev ? { prevResult } : {}),
        })
        try {
          await run(r, 'DEL', stdin, env, opts)
        } catch (err) {
          errors.push(err as CniPluginError)
        }
      }
      if (errors.length > 0) throw joinErrors('DEL', errors)
    },

    async statusNetworkList(list, opts) {
      const { plugins, version } = await prepare(list, 'STATUS', opts)
      if (!versionAtLeast(version, '1.1.0')) return
      const env = { CNI_PATH: opts.binDirs.join(':') }
      for (const r of plugins) {
        await run(r, 'STATUS', buildOneConfig(list, r.plugin, { version }), env, opts)
      }
    },

    async gcNetworkList(list, valid: readonly ValidAttachment[], opts) {
      if (list.disableGC) return
      const { plugins, version } = await prepare(list, 'GC', opts)
      if (!versionAtLeast(version, '1.1.0')) return
      const attachments = valid.map((a) => ({ containerID: a.containerID, ifname: a.ifname }))
      // Plugins released before the spec fixed the key's spelling read `cni.dev/attachments`.
      const extra = {
        'cni.dev/valid-attachments': attachments,
        'cni.dev/attachments': attachments,
      }
      const env = { CNI_PATH: opts.binDirs.join(':') }
      const errors: CniPluginError[] = []
      for (const r of plugins) {
        try {
          await run(r, 'GC', buildOneConfig(list, r.plugin, { version, extra }), env, opts)
        } catch (err) {
          errors.push(err as CniPluginError)
        }
      }
      if (errors.length > 0) throw joinErrors('GC', errors)
    },
  }
}
