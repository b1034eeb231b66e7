// One piece of a spoken prompt: a clip by key, or a number, an amount (deployment currency, whole units) or code characters read aloud.
export type PromptPart = { clip: string } | { number: number } | { money: number } | { chars: string };
