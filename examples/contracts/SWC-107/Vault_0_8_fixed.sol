// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;

/// @title VaultFixed
/// @notice Ether deposits withdrawable by their owner. A mutex blocks re-entry
///         into state-changing functions, and the balance is cleared before the
///         call so view readers (e.g. the `balances` getter) never see stale state.
contract VaultFixed {
    mapping(address => uint256) public balances;
    bool private locked;

    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);

    modifier nonReentrant() {
        require(!locked, "reentrant call");
        locked = true;
        _;
        locked = false;
    }

    function deposit() external payable nonReentrant {
        balances[msg.sender] += msg.value;
        emit Deposited(msg.sender, msg.value);
    }

    function withdraw() external nonReentrant {
        uint256 amount = balances[msg.sender];
        require(amount > 0, "nothing to withdraw");
        balances[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "transfer failed");
    }
}
