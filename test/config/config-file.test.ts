import t from 'tap'
import { readConfigFile } from '../../src/config/config-file.js'
import type { OptionSpec } from '../../src/config/define.js'

const SPECS: Record<string, OptionSpec> = {
  port: { group: 'g', type: 'integer', default: 1, minimum: 0, maximum: 9, description: 'd' },
  names: { group: 'g', type: 'list', default: [], description: 'd' },
}
const read = (text: string) => readConfigFile('c.yaml', SPECS, () => text)

t.test('a mapping of option names; comma strings become lists', async (t) => {
  t.same(read('port: 3\nnames: a, b\n'), { port: 3, names: ['a', 'b'] })
  t.same(read('{"names": ["x"]}'), { names: ['x'] })
  t.same(read(''), {})
})

t.test('what is wrong, with the file named', async (t) => {
  t.throws(() => read('- 1'), {
    code: 'MN_ERR_CONFIG_INVALID',
    message: /c\.yaml: must be a mapping/,
  })
  t.throws(() => read('"just a string"'), { message: /c\.yaml: must be a mapping/ })
  t.throws(() => read('names: [a'), { code: 'MN_ERR_CONFIG_INVALID', message: /c\.yaml: / })
  t.throws(() => read('Port: 1'), { message: /c\.yaml: unknown key 'Port'/ })
  t.throws(
    () =>
      readConfigFile('gone.yaml', SPECS, () => {
        throw new Error('ENOENT')
      }),
    { code: 'MN_ERR_FILE_READ', message: 'cannot read config file gone.yaml: ENOENT' },
  )
})
