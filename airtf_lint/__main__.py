from airtf_lint.cli import main

raise SystemExit(main())
