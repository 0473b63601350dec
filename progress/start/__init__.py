"""The start page, /: what each role has to do now. Reporters: this period's items still to
fill, returned ones first with the reviewer's comment, overdue ones marked. Supervisors and
admins: 待审核, 未报送, 滞后 and 状态不符 as numbers that link to the lists behind them."""
