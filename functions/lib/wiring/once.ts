/**
 * A builder that runs on its first call and hands every later call the same result: one
 * client per process, however many ports or local handlers share it. A builder that throws
 * (a bad setting) keeps nothing, so the cold start fails with the setting's name each time.
 */
export function once<T>(build: () => T): () => T {
  let built: { readonly value: T } | undefined;
  return function buildOnce() {
    built ??= { value: build() };
    return built.value;
  };
}
