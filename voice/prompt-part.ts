// One piece of a spoken prompt: a clip key, or a number, an amount (major units), characters or a
// calendar day (`YYYY-MM-DD`, already in the deployment's time zone) composed from clips.
export type PromptPart = { clip: string } | { number: number } | { money: number } | { chars: string } | { date: string };
