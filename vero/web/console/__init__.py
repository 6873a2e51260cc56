"""Every console and desk page: the supervisor's (wallboard, agents, complaints, KPIs, accounts),
the planner's (forecast, roster, what-if) and the agent's desk. Server-rendered from
`vero/web/templates`, with the scripts and styles of `vero/web/static`."""
