package ftpd

import (
	"bytes"
	"io"
)

// toCRLF copies src to dst converting line ends to the network's CRLF (TYPE A
// download): a LF not already preceded by CR becomes CRLF. It returns the number
// of bytes read from src.
func toCRLF(dst io.Writer, src io.Reader, buf []byte) (int64, error) {
	// Read into the first third; the converted bytes (at most twice as many) go
	// into the rest.
	third := len(buf) / 3
	in, out := buf[:third], buf[third:third]
	var read int64
	prevCR := false
	for {
		n, rerr := src.Read(in)
		if n > 0 {
			read += int64(n)
			out = out[:0]
			chunk := in[:n]
			for len(chunk) > 0 {
				i := bytes.IndexByte(chunk, '\n')
				if i < 0 {
					out = append(out, chunk...)
					prevCR = chunk[len(chunk)-1] == '\r'
					break
				}
				out = append(out, chunk[:i]...)
				before := prevCR
				if i > 0 {
					before = chunk[i-1] == '\r'
				}
				if !before {
					out = append(out, '\r')
				}
				out = append(out, '\n')
				prevCR = false
				chunk = chunk[i+1:]
			}
			if _, err := dst.Write(out); err != nil {
				return read, err
			}
		}
		if rerr == io.EOF {
			return read, nil
		}
		if rerr != nil {
			return read, rerr
		}
	}
}

// fromCRLF copies src to dst converting the network's CRLF to LF (TYPE A
// upload). A CR not followed by LF is kept. It returns the bytes written to dst.
// buf must hold at least 3 bytes.
func fromCRLF(dst io.Writer, src io.Reader, buf []byte) (int64, error) {
	var written int64
	pendingCR := false
	// A CR held back from the previous read may precede the converted bytes, so
	// they go into a buffer of their own, one byte larger than the input.
	half := (len(buf) - 1) / 2
	in, outBuf := buf[:half], buf[half:]
	for {
		n, rerr := src.Read(in)
		if n > 0 {
			out := outBuf[:0]
			for _, c := range in[:n] {
				if pendingCR {
					pendingCR = false
					if c != '\n' {
						out = append(out, '\r')
					}
				}
				if c == '\r' {
					pendingCR = true
					continue
				}
				out = append(out, c)
			}
			m, err := dst.Write(out)
			written += int64(m)
			if err != nil {
				return written, err
			}
		}
		if rerr == io.EOF {
			if pendingCR {
				m, err := dst.Write([]byte{'\r'})
				written += int64(m)
				return written, err
			}
			return written, nil
		}
		if rerr != nil {
			return written, rerr
		}
	}
}
