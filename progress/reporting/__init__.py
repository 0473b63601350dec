"""The reporter side, /progress/: the start page 我的填报, the progress form, the report page,
contributions of co-operating units and attachments."""
