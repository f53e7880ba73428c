"""The remote FTP server of the lab's backups (vrpbench lab): pyftpdlib on a
free port of 127.0.0.1, user "backup" (password "Backup@123") with its home
in the directory of argv[1]. Prints the port, then serves until killed."""
import sys, logging
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
logging.disable(logging.CRITICAL)
a = DummyAuthorizer()
a.add_user("backup", "Backup@123", sys.argv[1], perm="elrw")
FTPHandler.authorizer = a
s = FTPServer(("127.0.0.1", 0), FTPHandler)
s.max_cons = 1024
print(s.socket.getsockname()[1], flush=True)
s.serve_forever()
