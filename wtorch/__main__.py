from wtorch.cli import main

raise SystemExit(main())
