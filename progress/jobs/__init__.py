"""Long work in the background (docs/jobs.md): a Job row that any long operation can use.

models (the Job: who asked, who may see it, rows done of total, the result or the failure in
words), runner (job_enqueue, job_run with its heartbeat, jobs_sweep for workers that died),
selectors (the jobs a person may see, the start page's notices), views (the job page, its JSON
progress, the result download, dismissing a notice) and the template partial
progress/jobs/status.html polled by static/js/job_progress.js.
"""
