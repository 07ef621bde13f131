/** A value as a test name shows it: JSON, long strings by their first characters and length. */
export function shown(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  const characters = [...value];
  return characters.length > 20
    ? `${JSON.stringify(characters.slice(0, 6).join(''))}… (${characters.length} characters)`
    : JSON.stringify(value);
}
