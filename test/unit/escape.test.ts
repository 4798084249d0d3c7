import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeMarkdown } from '../../src/report/escape.ts';

test('a hostile file name is inert: no HTML, link, mention, code or table break', () => {
  const out = escapeMarkdown('`@octocat <img src=x> [x](http://e) #1 www.e.com a|b\nc');
  assert.doesNotMatch(out, /<img/);
  assert.doesNotMatch(out, /@octocat/);
  assert.doesNotMatch(out, /(^|[^&])#1/);
  assert.doesNotMatch(out, /http:\/\//);
  assert.doesNotMatch(out, /www\./i);
  assert.doesNotMatch(out, /(^|[^\\])[`[\]()|]/);
  assert.doesNotMatch(out, /\n/);
});

test('letters, digits and inner spaces are left as they are', () => {
  assert.equal(escapeMarkdown('Photos 2024 IMG 1 Été'), 'Photos 2024 IMG 1 Été');
});
