import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode, type ValidationRule } from 'graphql';

/** What graphql-js's costlier validation rules may be given. */
export interface SelectionBudget {
  /** Selections in the document, each fragment counted where it is spread. */
  readonly maxSelections: number;
  /** Times one response name may appear in one selection set, fragments merged in. */
  readonly maxRepeats: number;
}

/**
 * A linear pass over the parsed document, run before graphql-js's own rules: one of them
 * (OverlappingFieldsCanBeMerged) compares every pair of same-named fields, with their
 * selections, so a 12 KB document of repeated fields cost 0.1–1.7 s of CPU to reject.
 * Returns the problem, or undefined when the document is within the budget.
 */
export function checkSelectionBudget(document: DocumentNode, budget: SelectionBudget): string | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  // Per fragment: its expanded size and the response names it adds to where it is spread.
  const sizes = new Map<string, number>();
  const names = new Map<string, Map<string, number>>();
  const entered = new Set<string>(); // a cycle is NoFragmentCyclesRule's to report: counted as empty here

  const sizeOf = (set: SelectionSetNode | undefined): number => {
    let size = 0;
    for (const selection of set?.selections ?? []) {
      if (size > budget.maxSelections) break;
      if (selection.kind === Kind.FIELD) size += 1 + sizeOf(selection.selectionSet);
      else if (selection.kind === Kind.INLINE_FRAGMENT) size += 1 + sizeOf(selection.selectionSet);
      else size += 1 + fragmentSize(selection.name.value);
    }
    return size;
  };
  const fragmentSize = (name: string): number => {
    const known = sizes.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (fragment === undefined || entered.has(name)) return 0;
    entered.add(name);
    const size = sizeOf(fragment.selectionSet);
    sizes.set(name, size);
    return size;
  };

  const namesOf = (set: SelectionSetNode, into: Map<string, number>): Map<string, number> => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = (selection.alias ?? selection.name).value;
        into.set(name, (into.get(name) ?? 0) + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        namesOf(selection.selectionSet, into);
      } else {
        for (const [name, count] of fragmentNames(selection.name.value)) into.set(name, (into.get(name) ?? 0) + count);
      }
    }
    return into;
  };
  const fragmentNames = (name: string): Map<string, number> => {
    const known = names.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    names.set(name, new Map()); // a cycle adds nothing
    if (fragment === undefined) return new Map();
    const counted = namesOf(fragment.selectionSet, new Map());
    names.set(name, counted);
    return counted;
  };

  let total = 0;
  const sets: SelectionSetNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) total += sizeOf(definition.selectionSet);
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) sets.push(definition.selectionSet);
    if (total > budget.maxSelections) {
      return `The document has more than ${budget.maxSelections} selections (fragments counted where they are spread).`;
    }
  }
  // Every selection set written in the document, each once.
  while (sets.length > 0) {
    const set = sets.pop()!;
    for (const [name, count] of namesOf(set, new Map())) {
      if (count > budget.maxRepeats) {
        return `The field "${name}" is selected ${count} times in one selection set; at most ${budget.maxRepeats} are allowed.`;
      }
    }
    for (const selection of set.selections) {
      if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet !== undefined) sets.push(selection.selectionSet);
    }
  }
  return undefined;
}

/** The budget as a validation rule, for the cheap first pass. */
export function selectionBudgetRule(budget: SelectionBudget): ValidationRule {
  return (context) => ({
    Document(document) {
      const problem = checkSelectionBudget(document, budget);
      if (problem !== undefined) context.reportError(new GraphQLError(problem));
      return false; // the pass is done: nothing below needs visiting by this rule
    },
  });
}
