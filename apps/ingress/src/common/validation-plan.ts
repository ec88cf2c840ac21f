import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';
import type { ConstraintMetadata } from 'class-validator/types/metadata/ConstraintMetadata';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

/** One validated property of a class: its conditions, its constraints and whether it nests. */
interface PropertyPlan {
  name: string;
  conditions: Array<(object: object, value: unknown) => boolean>;
  checks: Array<{ metadata: ValidationMetadata; constraints: ConstraintMetadata[] }>;
  nested: boolean;
}

interface ClassPlan {
  properties: PropertyPlan[];
  names: Set<string>;
}

/** What validate() supports that this plan does not decide: class-validator answers those itself. */
const UNDECIDED = undefined;

/** A DTO class, as object.constructor gives it. */
type Target = abstract new (...args: never[]) => unknown;

const plans = new Map<Target, ClassPlan | undefined>();

/**
 * Whether class-validator would find no error in `object`, decided with class-validator's own
 * constraints (the same IsString, Matches, Min... instances, called with the same arguments) but
 * without building a ValidationError for every property of every record: those were a third of
 * what a /produce/batch request allocated. Only `true` is acted on; on `false` or `undefined`
 * (async constraints, groups, IsDefined, anything this plan does not model) validate() runs and
 * its errors are the answer, so error details are class-validator's, word for word.
 * It reads class-validator's internals (MetadataStorage, ValidationMetadata): kept for a measured
 * gain (with validation-metadata-cache.ts, /produce/batch x100 validates in 373 instead of 690 CPU
 * µs, a fifth of the request; README), and validation-internals.spec.ts fails when they change.
 */
export function passesValidation(object: object): boolean | undefined {
  const plan = planOf(object.constructor as Target);
  if (plan === undefined) return UNDECIDED;
  // forbidUnknownValues: a class without metadata is an error; whitelist: so is an unknown key.
  if (plan.properties.length === 0) return false;
  for (const key of Object.keys(object)) if (!plan.names.has(key)) return UNDECIDED;
  for (const property of plan.properties) {
    const value = (object as Record<string, unknown>)[property.name];
    if (!property.conditions.every((condition) => condition(object, value))) continue;
    for (const { metadata, constraints } of property.checks) {
      if (metadata.validateIf && !metadata.validateIf(object, value)) continue;
      const args = {
        targetName: object.constructor.name,
        property: metadata.propertyName,
        object,
        value,
        constraints: metadata.constraints,
      };
      // `each` validates the items of an array, set or map (its values), as class-validator does.
      const items =
        metadata.each && (Array.isArray(value) || value instanceof Set || value instanceof Map)
          ? value instanceof Map
            ? Array.from(value.values())
            : (value as Iterable<unknown>)
          : undefined;
      for (const constraint of constraints) {
        if (items === undefined) {
          const verdict = holds(constraint, value, args);
          if (verdict !== true) return verdict;
          continue;
        }
        for (const item of items) {
          const verdict = holds(constraint, item, args);
          if (verdict !== true) return verdict;
        }
      }
    }
    if (property.nested && value !== undefined) {
      const verdict = nestedPasses(value);
      if (verdict !== true) return verdict;
    }
  }
  return true;
}

/** One constraint on one value: true or false, or undecided when the constraint is async. */
function holds(constraint: ConstraintMetadata, value: unknown, args: ValidationArguments): boolean | undefined {
  const valid: unknown = constraint.instance.validate(value, args);
  if (valid instanceof Promise) return UNDECIDED;
  return Boolean(valid);
}

/** @ValidateNested: arrays, sets and maps item by item (undefined items pass), objects by their class. */
function nestedPasses(value: unknown): boolean | undefined {
  if (Array.isArray(value) || value instanceof Set || value instanceof Map) {
    for (const item of value instanceof Map ? value.values() : value) {
      if (item === undefined) continue;
      const verdict = nestedPasses(item);
      if (verdict !== true) return verdict;
    }
    return true;
  }
  if (value instanceof Object) return passesValidation(value);
  return false;
}

function planOf(target: Target): ClassPlan | undefined {
  if (plans.has(target)) return plans.get(target);
  const plan = buildPlan(target);
  plans.set(target, plan);
  return plan;
}

function buildPlan(target: Target): ClassPlan | undefined {
  const storage = getMetadataStorage();
  // As validate() reads them with our options: no groups, not `always`, not strict.
  const metadatas = storage.getTargetValidationMetadatas(target, '', false, false, undefined);
  const byName = new Map<string, PropertyPlan>();
  for (const metadata of metadatas) {
    if ((metadata.groups?.length ?? 0) > 0 || metadata.always) return UNDECIDED;
    let property = byName.get(metadata.propertyName);
    if (!property) {
      property = { name: metadata.propertyName, conditions: [], checks: [], nested: false };
      byName.set(metadata.propertyName, property);
    }
    switch (metadata.type) {
      case ValidationTypes.CUSTOM_VALIDATION: {
        const constraints = storage.getTargetValidatorConstraints(metadata.constraintCls);
        if (constraints.some((constraint) => constraint.async)) return UNDECIDED;
        property.checks.push({ metadata, constraints });
        break;
      }
      case ValidationTypes.CONDITIONAL_VALIDATION:
        property.conditions.push(metadata.constraints[0] as (object: object, value: unknown) => boolean);
        break;
      case ValidationTypes.NESTED_VALIDATION:
        property.nested = true;
        break;
      case ValidationTypes.WHITELIST:
        break;
      default:
        return UNDECIDED;
    }
  }
  return { properties: [...byName.values()], names: new Set(byName.keys()) };
}
