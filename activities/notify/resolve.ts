import { ApplicationFailure } from '@temporalio/common';
import { isSlackHookUrl, type NotifyTarget } from '../../common/notify';
import { resolveUrlRef, UrlRefRefusal, type Environment } from '../url-ref';

export const NOTIFY_CONFIG_ERROR = 'NotifyConfigError';

export interface ResolvedTarget {
  url: URL;
  format: 'json' | 'slack';
  /** Safe to show: the reference or literal URL, and the host. */
  label: string;
}

/** Where a notification goes and in which format; a target this worker cannot use fails non-retryably. */
export function resolveNotifyTarget(target: NotifyTarget, env: Environment): ResolvedTarget {
  try {
    const { url, label } = resolveUrlRef(target, env);
    const format = target.format === 'auto' ? (isSlackHookUrl(url) ? 'slack' : 'json') : target.format;
    return { url, format, label };
  } catch (err) {
    if (err instanceof UrlRefRefusal)
      throw ApplicationFailure.create({
        message: err.message,
        type: NOTIFY_CONFIG_ERROR,
        nonRetryable: true,
      });
    throw err;
  }
}
