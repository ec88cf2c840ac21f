import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;

const installed = new WeakSet<Storage>();

/**
 * Makes class-validator look up a class's decorators once instead of on every validate() call.
 * Its MetadataStorage recomputes them each time: it filters the class's metadata, scans every
 * decorated class for parents, groups the result by property, and filters every custom
 * constraint class, per validated object (each item of a batch included). The answers only
 * change when a decorator registers more metadata, which empties these caches. validate() and
 * its error messages are class-validator's own, unchanged. It wraps class-validator's internal
 * MetadataStorage for a measured gain (see validation-plan.ts); validation-internals.spec.ts fails
 * when those internals change.
 */
export function cacheValidationMetadata(storage: Storage = getMetadataStorage()): void {
  if (installed.has(storage)) return;
  installed.add(storage);
  const targets = new Map<string, Map<unknown, ReturnType<Storage['getTargetValidationMetadatas']>>>();
  const grouped = new WeakMap<object, ReturnType<Storage['groupByPropertyName']>>();
  const constraints = new Map<object, ReturnType<Storage['getTargetValidatorConstraints']>>();

  const getTargetValidationMetadatas = storage.getTargetValidationMetadatas.bind(storage);
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const options = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0001') ?? ''}`;
    let byTarget = targets.get(options);
    if (!byTarget)
      targets.set(options, (byTarget = new Map<unknown, ReturnType<Storage['getTargetValidationMetadatas']>>()));
    let metadatas = byTarget.get(target);
    if (!metadatas)
      byTarget.set(target, (metadatas = getTargetValidationMetadatas(target, schema, always, strictGroups, groups)));
    return metadatas;
  };

  const groupByPropertyName = storage.groupByPropertyName.bind(storage);
  storage.groupByPropertyName = (metadatas) => {
    let result = grouped.get(metadatas);
    if (!result) grouped.set(metadatas, (result = groupByPropertyName(metadatas)));
    return result;
  };

  const getTargetValidatorConstraints = storage.getTargetValidatorConstraints.bind(storage);
  storage.getTargetValidatorConstraints = (target) => {
    let result = constraints.get(target);
    if (!result) constraints.set(target, (result = getTargetValidatorConstraints(target)));
    return result;
  };

  for (const add of ['addValidationMetadata', 'addConstraintMetadata', 'addValidationSchema'] as const) {
    const original: (metadata: never) => void = storage[add].bind(storage);
    (storage as unknown as Record<string, (metadata: never) => void>)[add] = (metadata) => {
      targets.clear();
      constraints.clear();
      original(metadata);
    };
  }
}
