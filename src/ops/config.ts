/** `keel config [--global|--system|--project|--local] <name> [<value>] [-u] [-l]`. */
import { UsageError } from '../errors/index.js';
import { getValue, listValues, setValue, unsetValue, type EditResult, type ListedValue } from '../config/index.js';
import { levelOptions, type RemoteOptions } from './remote.js';

export type ConfigAction = { action: 'get'; name: string } | { action: 'set'; name: string; value: string } | { action: 'unset'; name: string } | { action: 'list' };

export interface ConfigResult extends EditResult {
  value?: string;
  list?: ListedValue[];
}

export async function config(o: RemoteOptions, a: ConfigAction): Promise<ConfigResult> {
  const lo = levelOptions(o);
  switch (a.action) {
    case 'get': {
      const v = await getValue(lo, a.name);
      if (!v) throw new UsageError(`option '${a.name}' is not set`, { hint: `set it with: keel config ${a.name} <value>` });
      return { messages: [], warnings: [], value: v.value };
    }
    case 'set':
      return setValue(lo, a.name, a.value);
    case 'unset':
      return unsetValue(lo, a.name);
    case 'list':
      return { messages: [], warnings: [], list: await listValues(lo) };
  }
}
