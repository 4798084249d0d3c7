/** Issues, labels and issue comments of the one repository, and the endpoints that serve them. */
import { notFound, validationFailed } from './errors.ts';
import {
  asObject,
  checkLength,
  labelNames,
  optionalString,
  requiredString,
  type JsonObject,
} from './fields.ts';
import { paginate } from './pagination.ts';
import { docsUrl, type Route, type RouteRequest, type RouteResponse } from './routes.ts';
import { nodeId, repoApi, repoHtml, timestamp, userJson, type Site } from './site.ts';
import type { IssueView, LabelView, NewIssue } from './types.ts';

/** GitHub refuses longer issue and comment bodies with 422. */
export const MAX_BODY_CHARACTERS = 65_536;
export const MAX_TITLE_CHARACTERS = 256;
const MAX_LABEL_NAME = 50;
/** The colour GitHub gives a label created on the fly by naming it on an issue. */
const AUTO_LABEL_COLOR = 'ededed';

interface LabelRecord {
  readonly id: number;
  readonly name: string;
  readonly color: string;
  readonly description: string | null;
}

interface CommentRecord {
  readonly id: number;
  readonly issueNumber: number;
  body: string;
  readonly user: string;
  readonly createdAt: string;
  updatedAt: string;
}

interface IssueRecord {
  readonly id: number;
  readonly number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: string | null;
  labelIds: number[];
  readonly user: string;
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  readonly comments: CommentRecord[];
}

const DOCS = {
  list: docsUrl('issues/issues#list-repository-issues'),
  create: docsUrl('issues/issues#create-an-issue'),
  get: docsUrl('issues/issues#get-an-issue'),
  update: docsUrl('issues/issues#update-an-issue'),
  listComments: docsUrl('issues/comments#list-issue-comments'),
  createComment: docsUrl('issues/comments#create-an-issue-comment'),
  updateComment: docsUrl('issues/comments#update-an-issue-comment'),
  listLabels: docsUrl('issues/labels#list-labels-for-a-repository'),
  createLabel: docsUrl('issues/labels#create-a-label'),
  getLabel: docsUrl('issues/labels#get-a-label'),
  issueLabels: docsUrl('issues/labels#list-labels-for-an-issue'),
  addLabels: docsUrl('issues/labels#add-labels-to-an-issue'),
};

export class IssueTracker {
  private readonly issueList: IssueRecord[] = [];
  private readonly labelList: LabelRecord[] = [];
  private nextId = 1_000_001;

  private readonly site: () => Site;

  constructor(site: () => Site) {
    this.site = site;
  }

  // --- direct access for tests ---

  issues(): IssueView[] {
    return this.issueList.map((issue) => ({
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      stateReason: issue.stateReason,
      labels: this.labelsOf(issue).map((l) => l.name),
      comments: issue.comments.map((c) => c.body),
      creator: issue.user,
      createdAt: issue.createdAt,
      updatedAt: issue.updatedAt,
    }));
  }

  labels(): LabelView[] {
    return this.labelList.map(({ name, color, description }) => ({ name, color, description }));
  }

  /** Adds an issue without a request (for setting up a repository that already has many). */
  seed(issue: NewIssue, user: string): number {
    const record = this.newIssue(issue.title, issue.body ?? null, issue.labels ?? [], user);
    if (issue.state === 'closed') this.close(record, 'completed');
    return record.number;
  }

  // --- endpoints ---

  routes(): Route[] {
    const repo = '/repos/{owner}/{repo}';
    const read = { scope: 'issues', level: 'read' } as const;
    const write = { scope: 'issues', level: 'write' } as const;
    return [
      {
        method: 'GET',
        path: `${repo}/issues`,
        needs: read,
        docs: DOCS.list,
        handle: (r) => this.list(r),
      },
      {
        method: 'POST',
        path: `${repo}/issues`,
        needs: write,
        docs: DOCS.create,
        handle: (r) => this.create(r),
      },
      {
        method: 'PATCH',
        path: `${repo}/issues/comments/{comment_id}`,
        needs: write,
        docs: DOCS.updateComment,
        handle: (r) => this.updateComment(r),
      },
      {
        method: 'GET',
        path: `${repo}/issues/{issue_number}`,
        needs: read,
        docs: DOCS.get,
        handle: (r) => this.get(r),
      },
      {
        method: 'PATCH',
        path: `${repo}/issues/{issue_number}`,
        needs: write,
        docs: DOCS.update,
        handle: (r) => this.update(r),
      },
      {
        method: 'GET',
        path: `${repo}/issues/{issue_number}/comments`,
        needs: read,
        docs: DOCS.listComments,
        handle: (r) => this.listComments(r),
      },
      {
        method: 'POST',
        path: `${repo}/issues/{issue_number}/comments`,
        needs: write,
        docs: DOCS.createComment,
        handle: (r) => this.createComment(r),
      },
      {
        method: 'GET',
        path: `${repo}/issues/{issue_number}/labels`,
        needs: read,
        docs: DOCS.issueLabels,
        handle: (r) => this.issueLabels(r),
      },
      {
        method: 'POST',
        path: `${repo}/issues/{issue_number}/labels`,
        needs: write,
        docs: DOCS.addLabels,
        handle: (r) => this.addLabels(r),
      },
      {
        method: 'GET',
        path: `${repo}/labels`,
        needs: read,
        docs: DOCS.listLabels,
        handle: (r) => this.listLabels(r),
      },
      {
        method: 'POST',
        path: `${repo}/labels`,
        needs: write,
        docs: DOCS.createLabel,
        handle: (r) => this.createLabel(r),
      },
      {
        method: 'GET',
        path: `${repo}/labels/{name}`,
        needs: read,
        docs: DOCS.getLabel,
        handle: (r) => this.getLabel(r),
      },
    ];
  }

  private list(r: RouteRequest): RouteResponse {
    const q = r.url.searchParams;
    const state = q.get('state') ?? 'open';
    const wanted = (q.get('labels') ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== '');
    const creator = q.get('creator')?.toLowerCase();
    const since = q.get('since');
    const sort = q.get('sort') ?? 'created';
    const direction = q.get('direction') === 'asc' ? 1 : -1;
    const chosen = this.issueList.filter((issue) => {
      if (state !== 'all' && issue.state !== state) return false;
      const names = new Set(this.labelsOf(issue).map((l) => l.name.toLowerCase()));
      if (!wanted.every((w) => names.has(w))) return false;
      if (creator !== undefined && issue.user.toLowerCase() !== creator) return false;
      if (since !== null && Date.parse(issue.updatedAt) < Date.parse(since)) return false;
      return true;
    });
    const keyOf = (issue: IssueRecord): number =>
      sort === 'updated'
        ? Date.parse(issue.updatedAt)
        : sort === 'comments'
          ? issue.comments.length
          : Date.parse(issue.createdAt);
    chosen.sort((a, b) => direction * (keyOf(a) - keyOf(b) || a.number - b.number));
    const page = paginate(chosen, r.url);
    return listResponse(
      page.items.map((i) => this.issueJson(i)),
      page.link,
    );
  }

  private create(r: RouteRequest): RouteResponse {
    const body = asObject(r.body, DOCS.create);
    const title = requiredString(body, 'title', DOCS.create);
    const text = optionalString(body, 'body', DOCS.create) ?? null;
    const labels = labelNames(body, 'labels', DOCS.create) ?? [];
    this.checkIssueFields(DOCS.create, title, text);
    this.checkLabelNames(DOCS.create, labels);
    const issue = this.newIssue(title, text, labels, r.caller.login);
    const json = this.issueJson(issue);
    return { status: 201, json, headers: { location: json['url'] as string } };
  }

  private get(r: RouteRequest): RouteResponse {
    return { status: 200, json: this.issueJson(this.find(r, DOCS.get)) };
  }

  private update(r: RouteRequest): RouteResponse {
    const issue = this.find(r, DOCS.update);
    const body = asObject(r.body, DOCS.update);
    const title = optionalString(body, 'title', DOCS.update);
    const text = optionalString(body, 'body', DOCS.update);
    const state = optionalString(body, 'state', DOCS.update);
    const reason = optionalString(body, 'state_reason', DOCS.update);
    const labels = labelNames(body, 'labels', DOCS.update);
    if (title === null)
      throw validationFailed(DOCS.update, {
        resource: 'Issue',
        field: 'title',
        code: 'missing_field',
      });
    this.checkIssueFields(DOCS.update, title ?? issue.title, text);
    if (state !== undefined && state !== null && state !== 'open' && state !== 'closed') {
      throw validationFailed(DOCS.update, { resource: 'Issue', field: 'state', code: 'invalid' });
    }
    if (labels !== undefined) this.checkLabelNames(DOCS.update, labels);
    if (title !== undefined) issue.title = title;
    if (text !== undefined) issue.body = text;
    if (labels !== undefined) issue.labelIds = this.labelIdsFor(labels);
    if (state === 'closed' && issue.state === 'open') this.close(issue, reason ?? 'completed');
    if (state === 'open' && issue.state === 'closed') {
      issue.state = 'open';
      issue.stateReason = 'reopened';
      issue.closedAt = null;
    }
    issue.updatedAt = timestamp();
    return { status: 200, json: this.issueJson(issue) };
  }

  private listComments(r: RouteRequest): RouteResponse {
    const issue = this.find(r, DOCS.listComments);
    const page = paginate(issue.comments, r.url);
    return listResponse(
      page.items.map((c) => this.commentJson(c)),
      page.link,
    );
  }

  private createComment(r: RouteRequest): RouteResponse {
    const issue = this.find(r, DOCS.createComment);
    const body = asObject(r.body, DOCS.createComment);
    const text = requiredString(body, 'body', DOCS.createComment);
    checkLength(DOCS.createComment, 'IssueComment', 'body', text, MAX_BODY_CHARACTERS);
    const now = timestamp();
    const comment: CommentRecord = {
      id: this.nextId++,
      issueNumber: issue.number,
      body: text,
      user: r.caller.login,
      createdAt: now,
      updatedAt: now,
    };
    issue.comments.push(comment);
    issue.updatedAt = now;
    const json = this.commentJson(comment);
    return { status: 201, json, headers: { location: json['url'] as string } };
  }

  private updateComment(r: RouteRequest): RouteResponse {
    const id = Number(r.params['comment_id']);
    const comment = this.issueList.flatMap((i) => i.comments).find((c) => c.id === id);
    if (comment === undefined) throw notFound(DOCS.updateComment);
    const body = asObject(r.body, DOCS.updateComment);
    const text = requiredString(body, 'body', DOCS.updateComment);
    checkLength(DOCS.updateComment, 'IssueComment', 'body', text, MAX_BODY_CHARACTERS);
    comment.body = text;
    comment.updatedAt = timestamp();
    return { status: 200, json: this.commentJson(comment) };
  }

  private issueLabels(r: RouteRequest): RouteResponse {
    const issue = this.find(r, DOCS.issueLabels);
    const page = paginate(this.labelsOf(issue), r.url);
    return listResponse(
      page.items.map((l) => this.labelJson(l)),
      page.link,
    );
  }

  private addLabels(r: RouteRequest): RouteResponse {
    const issue = this.find(r, DOCS.addLabels);
    const names = Array.isArray(r.body)
      ? labelNames({ labels: r.body }, 'labels', DOCS.addLabels)
      : labelNames(asObject(r.body, DOCS.addLabels), 'labels', DOCS.addLabels);
    this.checkLabelNames(DOCS.addLabels, names ?? []);
    for (const id of this.labelIdsFor(names ?? []))
      if (!issue.labelIds.includes(id)) issue.labelIds.push(id);
    issue.updatedAt = timestamp();
    return { status: 200, json: this.labelsOf(issue).map((l) => this.labelJson(l)) };
  }

  private listLabels(r: RouteRequest): RouteResponse {
    const page = paginate(this.labelList, r.url);
    return listResponse(
      page.items.map((l) => this.labelJson(l)),
      page.link,
    );
  }

  private createLabel(r: RouteRequest): RouteResponse {
    const body = asObject(r.body, DOCS.createLabel);
    const name = requiredString(body, 'name', DOCS.createLabel);
    const color = (optionalString(body, 'color', DOCS.createLabel) ?? AUTO_LABEL_COLOR).replace(
      /^#/,
      '',
    );
    const description = optionalString(body, 'description', DOCS.createLabel) ?? null;
    this.checkLabelNames(DOCS.createLabel, [name]);
    if (!/^[0-9a-fA-F]{6}$/.test(color)) {
      throw validationFailed(DOCS.createLabel, {
        resource: 'Label',
        field: 'color',
        code: 'invalid',
      });
    }
    if (this.labelNamed(name) !== undefined) {
      throw validationFailed(DOCS.createLabel, {
        resource: 'Label',
        field: 'name',
        code: 'already_exists',
      });
    }
    const label = this.addLabel(name, color.toLowerCase(), description);
    const json = this.labelJson(label);
    return { status: 201, json, headers: { location: json['url'] as string } };
  }

  private getLabel(r: RouteRequest): RouteResponse {
    const label = this.labelNamed(r.params['name'] ?? '');
    if (label === undefined) throw notFound(DOCS.getLabel);
    return { status: 200, json: this.labelJson(label) };
  }

  // --- records ---

  private newIssue(
    title: string,
    body: string | null,
    labels: readonly string[],
    user: string,
  ): IssueRecord {
    const now = timestamp();
    const issue: IssueRecord = {
      id: this.nextId++,
      number: this.issueList.length + 1,
      title,
      body,
      state: 'open',
      stateReason: null,
      labelIds: this.labelIdsFor(labels),
      user,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      comments: [],
    };
    this.issueList.push(issue);
    return issue;
  }

  private close(issue: IssueRecord, reason: string): void {
    issue.state = 'closed';
    issue.stateReason = reason;
    issue.closedAt = timestamp();
  }

  private find(r: RouteRequest, docs: string): IssueRecord {
    const n = Number(r.params['issue_number']);
    const issue = Number.isInteger(n) ? this.issueList[n - 1] : undefined;
    if (issue === undefined) throw notFound(docs);
    return issue;
  }

  private checkIssueFields(docs: string, title: string, body: string | null | undefined): void {
    if (title.trim() === '')
      throw validationFailed(docs, { resource: 'Issue', field: 'title', code: 'missing_field' });
    checkLength(docs, 'Issue', 'title', title, MAX_TITLE_CHARACTERS);
    checkLength(docs, 'Issue', 'body', body, MAX_BODY_CHARACTERS);
  }

  private checkLabelNames(docs: string, names: readonly string[]): void {
    for (const name of names) {
      if (name.trim() === '')
        throw validationFailed(docs, { resource: 'Label', field: 'name', code: 'missing_field' });
      checkLength(docs, 'Label', 'name', name, MAX_LABEL_NAME);
    }
  }

  /** Labels are found by name regardless of case; a name not yet in the repository creates the label. */
  private labelIdsFor(names: readonly string[]): number[] {
    const ids: number[] = [];
    for (const name of names) {
      const label = this.labelNamed(name) ?? this.addLabel(name, AUTO_LABEL_COLOR, null);
      if (!ids.includes(label.id)) ids.push(label.id);
    }
    return ids;
  }

  private labelNamed(name: string): LabelRecord | undefined {
    const wanted = name.toLowerCase();
    return this.labelList.find((l) => l.name.toLowerCase() === wanted);
  }

  private addLabel(name: string, color: string, description: string | null): LabelRecord {
    const label: LabelRecord = { id: this.nextId++, name, color, description };
    this.labelList.push(label);
    return label;
  }

  private labelsOf(issue: IssueRecord): LabelRecord[] {
    return issue.labelIds
      .map((id) => this.labelList.find((l) => l.id === id))
      .filter((l): l is LabelRecord => l !== undefined);
  }

  // --- JSON as GitHub shapes it ---

  private labelJson(label: LabelRecord): JsonObject {
    return {
      id: label.id,
      node_id: nodeId('LA', label.id),
      url: repoApi(this.site(), `/labels/${encodeURIComponent(label.name)}`),
      name: label.name,
      color: label.color,
      default: false,
      description: label.description,
    };
  }

  private issueJson(issue: IssueRecord): JsonObject {
    const site = this.site();
    const url = repoApi(site, `/issues/${issue.number}`);
    return {
      url,
      repository_url: repoApi(site),
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: repoHtml(site, `/issues/${issue.number}`),
      id: issue.id,
      node_id: nodeId('I', issue.id),
      number: issue.number,
      title: issue.title,
      user: userJson(issue.user),
      labels: this.labelsOf(issue).map((l) => this.labelJson(l)),
      state: issue.state,
      locked: false,
      assignee: null,
      assignees: [],
      milestone: null,
      comments: issue.comments.length,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      author_association: 'NONE',
      active_lock_reason: null,
      body: issue.body,
      closed_by: null,
      timeline_url: `${url}/timeline`,
      performed_via_github_app: null,
      state_reason: issue.stateReason,
    };
  }

  private commentJson(comment: CommentRecord): JsonObject {
    const site = this.site();
    return {
      url: repoApi(site, `/issues/comments/${comment.id}`),
      html_url: repoHtml(site, `/issues/${comment.issueNumber}#issuecomment-${comment.id}`),
      issue_url: repoApi(site, `/issues/${comment.issueNumber}`),
      id: comment.id,
      node_id: nodeId('IC', comment.id),
      user: userJson(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: 'NONE',
      body: comment.body,
      performed_via_github_app: null,
    };
  }
}

export function listResponse(json: unknown, link: string | undefined): RouteResponse {
  return { status: 200, json, ...(link === undefined ? {} : { headers: { link } }) };
}
