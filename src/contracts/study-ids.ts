/**
 * Ids of studies and trials. Trial ids are keys of one IndexedDB store shared by all studies, so a
 * trial's id includes its study's id: two studies never share a trial id.
 */

/** A fresh study id: "study-" and 20 random hex digits (80 bits), from the platform's CSPRNG. */
export function newStudyId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return `study-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The id of the trial proposed `index`-th (from 0) in a study. */
export const trialIdFor = (studyId: string, index: number): string => `${studyId}.${index}`;
