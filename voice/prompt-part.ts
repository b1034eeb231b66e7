// One piece of a spoken prompt: a clip key, or a number, an amount (major units) or characters composed from clips.
export type PromptPart = { clip: string } | { number: number } | { money: number } | { chars: string };
