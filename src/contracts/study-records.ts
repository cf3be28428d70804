/**
 * The checks of the study document, applied to one config or one trial before it is stored, so the
 * database only holds what an export can write and an import can read back. They also rebuild the
 * value from plain data, which IndexedDB can clone (a proxy or a class instance it cannot).
 */
import type { StudyConfig, StudyTrial } from './study.ts';
import { studyConfigAt } from './study-config-json.ts';
import { documentTrialAt } from './study-trial-json.ts';
import { FieldError, idAt, isRecord, rethrowFieldErrors } from '../core/untrusted.ts';

/** A study config or trial that the study document would refuse; the message names the field. */
export class StudyRecordError extends FieldError {
  override readonly name = 'StudyRecordError';
}

const checked = <T>(read: () => T): T => rethrowFieldErrors(read, (error) => new StudyRecordError(error.path, error.reason));

/** Throws a StudyRecordError unless `id` can be a study's id (and so appear in an export). */
export function checkStudyId(id: string): void {
  checked(() => idAt(id, 'id'));
}

/** A plain, checked copy of `config`; throws a StudyRecordError (paths start at `config`). */
export function checkStudyConfig(config: StudyConfig): StudyConfig {
  return checked(() => studyConfigAt(config, 'config').config);
}

/** A plain, checked copy of a trial of a study with `config`; throws a StudyRecordError (paths start at `trial`). */
export function checkStudyTrial(trial: StudyTrial, config: StudyConfig): StudyTrial {
  return checked(() => {
    const { targetIds, config: checkedConfig } = studyConfigAt(config, 'config');
    if (!isRecord(trial)) throw new FieldError('trial', 'must be an object');
    const { studyId, ...rest } = trial;
    return { studyId: idAt(studyId, 'trial.studyId'), ...documentTrialAt(rest, 'trial', checkedConfig.searchSpace, targetIds) };
  });
}
