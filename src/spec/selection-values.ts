/**
 * Value checkers for the structured keys of a JSON-form network selection (multi-net-spec v1.3
 * §4.1.2.1): IP lists, port mappings and bandwidth. Each pushes every problem it finds, with its
 * JSON path, and returns the value only when nothing in it is an error.
 */
import { error, errorsOf, warning, type Finding } from './finding.js'
import { isObject, jsonTypeOf, pathKey, showValue as show } from './json.js'
import { ipProblem } from './names.js'
import type { Bandwidth, PortMapping } from './types.js'

export type Mutable<T> = { -readonly [K in keyof T]: T[K] }

export const BANDWIDTH_KEYS = ['ingressRate', 'ingressBurst', 'egressRate', 'egressBurst'] as const
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const

export function ipList(
  value: unknown,
  path: string,
  rule: 'selection.ips' | 'selection.default-route',
  problemOf: (s: string) => string | undefined,
  mayBeEmpty: boolean,
  findings: Finding[],
): string[] | undefined {
  if (!Array.isArray(value)) {
    findings.push(error(rule, path, `must be a list of IP addresses, got ${jsonTypeOf(value)}`))
    return undefined
  }
  if (value.length === 0 && !mayBeEmpty) {
    findings.push(error(rule, path, 'must not be empty: leave the key out instead'))
    return undefined
  }
  const before = findings.length
  value.forEach((ip: unknown, i) => {
    const p = `${path}[${i}]`
    if (typeof ip !== 'string')
      findings.push(error(rule, p, `must be a string, got ${jsonTypeOf(ip)}`))
    else {
      const problem = problemOf(ip)
      if (problem) findings.push(error(rule, p, `${show(ip)} ${problem}`))
    }
  })
  return findings.length > before ? undefined : (value as string[])
}

export function portMappings(
  value: unknown,
  path: string,
  findings: Finding[],
): PortMapping[] | undefined {
  const rule = 'selection.port-mappings'
  if (!Array.isArray(value)) {
    findings.push(error(rule, path, `must be a list of port mappings, got ${jsonTypeOf(value)}`))
    return undefined
  }
  if (value.length === 0) {
    findings.push(error(rule, path, 'must not be empty: leave the key out instead'))
    return undefined
  }
  const before = findings.length
  const out = value.map((entry: unknown, i): PortMapping | undefined => {
    const p = `${path}[${i}]`
    if (!isObject(entry)) {
      findings.push(
        error(
          rule,
          p,
          `must be an object with hostPort and containerPort, got ${jsonTypeOf(entry)}`,
        ),
      )
      return undefined
    }
    const port = (key: string): number => {
      const v = entry[key]
      if (v === undefined) findings.push(error(rule, `${p}.${key}`, 'is required'))
      else if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
        findings.push(
          error(rule, `${p}.${key}`, `must be an integer from 1 to 65535, got ${show(v)}`),
        )
      }
      return v as number
    }
    const mapping: Mutable<PortMapping> = {
      hostPort: port('hostPort'),
      containerPort: port('containerPort'),
      protocol: 'TCP',
    }
    for (const [key, v] of Object.entries(entry)) {
      if (key === 'hostPort' || key === 'containerPort') continue
      const kp = pathKey(p, key)
      if (key === 'protocol') {
        const upper = typeof v === 'string' ? v.toUpperCase() : undefined
        if (upper === 'TCP' || upper === 'UDP' || upper === 'SCTP') mapping.protocol = upper
        else
          findings.push(
            error(rule, kp, `must be one of ${PROTOCOLS.join(', ')} (any case), got ${show(v)}`),
          )
      } else if (key === 'hostIP') {
        const problem =
          typeof v === 'string' ? ipProblem(v) : `must be a string, got ${jsonTypeOf(v)}`
        if (problem)
          findings.push(error(rule, kp, typeof v === 'string' ? `${show(v)} ${problem}` : problem))
        else mapping.hostIP = v as string
      } else {
        findings.push(
          warning(
            rule,
            kp,
            `unknown port-mapping key "${key}" is ignored (known: hostPort, containerPort, protocol, hostIP)`,
          ),
        )
      }
    }
    return mapping
  })
  return errorsOf(findings.slice(before)).length > 0 ? undefined : (out as PortMapping[])
}

export function bandwidth(
  value: unknown,
  path: string,
  findings: Finding[],
): Bandwidth | undefined {
  const rule = 'selection.bandwidth'
  if (!isObject(value)) {
    findings.push(error(rule, path, `must be an object, got ${jsonTypeOf(value)}`))
    return undefined
  }
  const before = findings.length
  const out: Mutable<Bandwidth> = {}
  for (const [key, v] of Object.entries(value)) {
    const p = pathKey(path, key)
    if (!(BANDWIDTH_KEYS as readonly string[]).includes(key)) {
      findings.push(
        warning(
          rule,
          p,
          `unknown bandwidth key "${key}" is ignored (known: ${BANDWIDTH_KEYS.join(', ')})`,
        ),
      )
    } else if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
      findings.push(
        error(rule, p, `must be a positive integer (bits or bits per second), got ${show(v)}`),
      )
    } else {
      out[key as (typeof BANDWIDTH_KEYS)[number]] = v
    }
  }
  for (const dir of ['ingress', 'egress'] as const) {
    if (`${dir}Burst` in value && !(`${dir}Rate` in value)) {
      findings.push(
        error(rule, `${path}.${dir}Burst`, `needs ${dir}Rate: a burst without its rate is invalid`),
      )
    }
  }
  return errorsOf(findings.slice(before)).length > 0 ? undefined : out
}
