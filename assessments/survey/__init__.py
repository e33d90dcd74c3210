"""The respondent's survey: urls, views, flow (links, drafts, submitting), steps."""
