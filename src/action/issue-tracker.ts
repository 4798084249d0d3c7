import * as github from '@actions/github';
import { warning } from '@actions/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { IssueContent, IssueTracker, TrackedIssue } from '../report/issue-tracker.ts';

type Octokit = ReturnType<typeof github.getOctokit>;

/** Times a request is retried after a rate limit before it fails. */
const RATE_LIMIT_RETRIES = 2;

export interface OctokitTrackerOptions {
  readonly token: string;
  /** "owner/repo" (`GITHUB_REPOSITORY`). */
  readonly repository: string;
  /** The REST API's URL; `GITHUB_API_URL`, else api.github.com, when left out. */
  readonly baseUrl?: string;
}

/**
 * Octokit with the retry plugin (5xx and network errors) and the throttling plugin (primary and
 * secondary rate limits, and GitHub's spacing of writes that notify people).
 */
export function octokitFor(options: OctokitTrackerOptions): Octokit {
  return github.getOctokit(
    options.token,
    {
      ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
      throttle: {
        onRateLimit: (
          retryAfter: number,
          request: { method: string; url: string },
          _octokit: unknown,
          retryCount: number,
        ) => rateLimited('rate limit', retryAfter, request, retryCount),
        onSecondaryRateLimit: (
          retryAfter: number,
          request: { method: string; url: string },
          _octokit: unknown,
          retryCount: number,
        ) => rateLimited('secondary rate limit', retryAfter, request, retryCount),
      },
    },
    retry,
    throttling,
  );
}

function rateLimited(
  what: string,
  retryAfter: number,
  request: { method: string; url: string },
  retryCount: number,
): boolean {
  const again = retryCount < RATE_LIMIT_RETRIES;
  warning(
    `GitHub ${what} on ${request.method} ${request.url}: ${again ? `retrying in ${String(retryAfter)}s` : 'giving up'}.`,
  );
  return again;
}

function status(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined;
  return typeof error.status === 'number' ? error.status : undefined;
}

interface IssueData {
  readonly number: number;
  readonly html_url: string;
  readonly state: string;
  readonly body?: string | null;
  readonly pull_request?: unknown;
}

function tracked(issue: IssueData): TrackedIssue {
  return {
    number: issue.number,
    url: issue.html_url,
    state: issue.state === 'closed' ? 'closed' : 'open',
    body: issue.body ?? '',
  };
}

/** The summary issue through GitHub's REST API (`issues: write`; `actions: write` to disable). */
export class OctokitIssueTracker implements IssueTracker {
  private readonly octokit: Octokit;
  private readonly owner: string;
  private readonly repo: string;

  constructor(options: OctokitTrackerOptions, octokit: Octokit = octokitFor(options)) {
    const [owner, repo] = options.repository.split('/');
    if (owner === undefined || repo === undefined || owner === '' || repo === '') {
      throw new Error(`GITHUB_REPOSITORY "${options.repository}" is not owner/repo.`);
    }
    this.octokit = octokit;
    this.owner = owner;
    this.repo = repo;
  }

  async findIssue(label: string, marker: string): Promise<TrackedIssue | undefined> {
    const issues: IssueData[] = await this.octokit.paginate(this.octokit.rest.issues.listForRepo, {
      owner: this.owner,
      repo: this.repo,
      labels: label,
      state: 'all',
      per_page: 100,
    });
    const found = issues
      .filter((issue) => issue.pull_request === undefined && (issue.body ?? '').includes(marker))
      .sort((a, b) => a.number - b.number)[0];
    return found === undefined ? undefined : tracked(found);
  }

  async createIssue(content: IssueContent, label: string): Promise<TrackedIssue> {
    await this.ensureLabel(label);
    const { data } = await this.octokit.rest.issues.create({
      owner: this.owner,
      repo: this.repo,
      title: content.title,
      body: content.body,
      labels: [label],
    });
    return tracked(data);
  }

  async updateIssue(
    issueNumber: number,
    content: IssueContent,
    { reopen }: { readonly reopen: boolean },
  ): Promise<TrackedIssue> {
    const { data } = await this.octokit.rest.issues.update({
      owner: this.owner,
      repo: this.repo,
      issue_number: issueNumber,
      title: content.title,
      body: content.body,
      ...(reopen ? { state: 'open' as const } : {}),
    });
    return tracked(data);
  }

  async disableWorkflow(workflow: string): Promise<void> {
    await this.octokit.rest.actions.disableWorkflow({
      owner: this.owner,
      repo: this.repo,
      workflow_id: workflow,
    });
  }

  /** Creates the label when the repository lacks it; another run creating it first is fine. */
  private async ensureLabel(label: string): Promise<void> {
    try {
      await this.octokit.rest.issues.getLabel({ owner: this.owner, repo: this.repo, name: label });
      return;
    } catch (error) {
      if (status(error) !== 404) throw error;
    }
    try {
      await this.octokit.rest.issues.createLabel({
        owner: this.owner,
        repo: this.repo,
        name: label,
        color: '0e8a16',
        description: 'Summary of the Dropbox to S3 migration',
      });
    } catch (error) {
      if (status(error) !== 422) throw error;
    }
  }
}
